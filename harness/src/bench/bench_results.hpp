#pragma once

#include "bench/bench_console.hpp"
#include "bench/bench_plan.hpp"
#include "bench/bench_stats.hpp"

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace vfs {

// One fio run: one row, one column, one repeat.
struct BenchSample {
    std::string column;
    std::string row;
    int rep = 0;
    // fio ran and its job reported no error. An unsupported combination
    // (mmap on a cache=none mount: ENODEV) is a sample with ok = false.
    bool ok = false;
    int fio_rc = 0;
    int fio_error = 0;  // the job's errno, 0 if none
    std::string reason; // why not ok, one line
    double bw_mib = 0;  // of the row's direction (read or write), all jobs summed
    double iops = 0;
    double lat_us = 0; // mean total latency per I/O
    std::uint64_t io_bytes = 0;
    double seconds = 0; // guest time around fio
    std::optional<QueueCounters> counters;
    std::optional<LatencyHistogram> latency; // our module's request round trips
    std::optional<long long> guest_irqs;     // /proc/interrupts, virtio request queues
    std::vector<std::string> stderr_lines;
    nlohmann::json fio; // the raw fio JSON (null if none was printed)

    // Interprets one console block of tests/fio/bench-run.sh.
    static BenchSample from_block(const BenchConsoleParser::Block& b, const BenchRow& row,
                                  const std::string& column, int rep);
    nlohmann::json to_json() const;
    static BenchSample from_json(const nlohmann::json& j);
};

// How one column's boot went.
struct BenchColumnRun {
    std::string column;
    std::string outcome; // RunResult outcome, or "skipped"
    std::string message;
    double seconds = 0;
    std::string run_dir;
};

// Everything one `vfs-harness bench` produced; bench.json is to_json().
class BenchResults {
public:
    nlohmann::json meta; // command line, parameters, host, timestamps
    std::vector<BenchRow> rows;
    std::vector<BenchColumn> columns;
    std::vector<BenchColumnRun> runs;
    std::vector<BenchSample> samples;

    // Bandwidth (MiB/s) over the ok repeats; nullopt if there are none.
    std::optional<BenchSummary> bandwidth(const std::string& column, const std::string& row) const;
    // Summary of f(sample) over the ok samples for which f has a value.
    std::optional<BenchSummary>
    stat(const std::string& column, const std::string& row,
         const std::function<std::optional<double>(const BenchSample&)>& f) const;
    // Samples of one cell (any outcome).
    std::vector<const BenchSample*> cell(const std::string& column, const std::string& row) const;
    bool has_column(const std::string& id) const;
    // Round-trip histogram of one cell, summed over its ok repeats.
    std::optional<LatencyHistogram> latency(const std::string& column,
                                            const std::string& row) const;

    nlohmann::json to_json() const;
    static BenchResults from_json(const nlohmann::json& j);
};

} // namespace vfs
