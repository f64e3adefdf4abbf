#include "bench/latency_histogram.hpp"

#include "util/string_util.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace vfs {

std::optional<LatencyHistogram> LatencyHistogram::parse(std::string_view line) {
    LatencyHistogram h;
    for (const auto& field : split_ws(line)) {
        std::size_t used = 0;
        try {
            const long long n = std::stoll(std::string(field), &used);
            if (used != field.size() || n < 0) {
                return std::nullopt;
            }
            h.counts_.push_back(n);
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    if (h.counts_.empty()) {
        return std::nullopt;
    }
    return h;
}

long long LatencyHistogram::total() const {
    return std::accumulate(counts_.begin(), counts_.end(), 0LL);
}

std::optional<double> LatencyHistogram::percentile_us(double p) const {
    const long long n = total();
    if (n == 0) {
        return std::nullopt;
    }
    const auto want = static_cast<long long>(std::ceil(std::clamp(p, 0.0, 1.0) * n));
    long long seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= std::max(want, 1LL)) {
            return std::ldexp(1.0, static_cast<int>(i));
        }
    }
    return std::ldexp(1.0, static_cast<int>(counts_.size()) - 1);
}

void LatencyHistogram::add(const LatencyHistogram& other) {
    if (counts_.size() < other.counts_.size()) {
        counts_.resize(other.counts_.size());
    }
    for (std::size_t i = 0; i < other.counts_.size(); ++i) {
        counts_[i] += other.counts_[i];
    }
}

LatencyHistogram LatencyHistogram::from_json(const nlohmann::json& j) {
    LatencyHistogram h;
    h.counts_ = j.get<std::vector<long long>>();
    return h;
}

} // namespace vfs
