#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vfs {

// Throughput of one direction (read or write) of one fio job.
struct FioDirection {
    std::uint64_t io_bytes = 0;
    double bw_kib = 0; // KiB/s, as fio's "bw"
    double iops = 0;
    double runtime_ms = 0;
    double lat_mean_us = 0; // total latency (lat_ns.mean) in microseconds

    double bw_mib() const { return bw_kib / 1024.0; }
    bool active() const { return io_bytes > 0; }
};

struct FioJob {
    std::string name;
    int error = 0;
    FioDirection read;
    FioDirection write;
};

// Parsed `fio --output-format=json` output.
struct FioReport {
    std::string version;
    std::vector<FioJob> jobs;

    // Sums bandwidth and IOPS over all jobs (concurrent jobs add up).
    FioDirection total_read() const;
    FioDirection total_write() const;
    const FioJob* job(std::string_view name) const;
};

// Parses fio JSON output. Text before and after the JSON object (fio warnings,
// other console lines) is ignored, so a console capture can be passed as is.
// Throws std::runtime_error when no valid fio JSON object is found.
FioReport parse_fio_json(std::string_view text);

// The first complete top-level {...} in text (string-aware brace matching),
// empty if there is none.
std::string_view extract_json_object(std::string_view text);

} // namespace vfs
