#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

namespace vfs {

// Round-trip times of our module's requests, as its request queues count them
// in sysfs (queues/request.N/latency_us, fs/fuse/vtfs_latency.c): counts[0]
// holds replies within 1 us, counts[i] those of at least 2^(i-1) and under
// 2^i us, the last bucket everything longer.
class LatencyHistogram {
public:
    // From the counts on one line; nullopt if it holds anything but numbers.
    static std::optional<LatencyHistogram> parse(std::string_view line);

    long long total() const;
    // Upper bound in us of the bucket in which a fraction p (0..1) of the
    // requests is reached: a request at or below p took less than this.
    std::optional<double> percentile_us(double p) const;
    // Adds the counts of another run (e.g. repeats of one benchmark cell).
    void add(const LatencyHistogram& other);
    const std::vector<long long>& counts() const { return counts_; }

    nlohmann::json to_json() const { return counts_; }
    static LatencyHistogram from_json(const nlohmann::json& j);

private:
    std::vector<long long> counts_;
};

} // namespace vfs
