#pragma once

#include "bench/latency_histogram.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vfs {

// Virtqueue counters of our module, summed over the request queues, as deltas
// over one fio run (tests/fio/bench-run.sh reads them from sysfs).
struct QueueCounters {
    long long requests = 0;
    long long kicks = 0;
    long long interrupts = 0;
};

// Picks the per-job blocks of tests/fio/bench-run.sh out of the guest console
// (@@BENCH-BEGIN ... @@BENCH-END), one line at a time.
class BenchConsoleParser {
public:
    struct Block {
        int id = -1;
        int fio_rc = -1;
        double seconds = 0;   // guest time around fio
        std::string fio_text; // fio's JSON (and anything else printed meanwhile)
        std::vector<std::string> stderr_lines;
        std::optional<QueueCounters> counters;
        std::optional<LatencyHistogram> latency; // our module's round trips, delta
        std::optional<long long> guest_irqs;     // virtio request-queue interrupts, any transport
    };

    // Returns the finished block when `line` is its @@BENCH-END.
    std::optional<Block> feed(std::string_view line);

    // The id of the job between its @@BENCH-BEGIN and @@BENCH-END, if any.
    std::optional<int> job_running() const {
        return current_ ? std::optional<int>(current_->id) : std::nullopt;
    }
    bool layout_done() const { return layout_done_; }
    bool all_done() const { return all_done_; }
    const std::string& setup_failure() const { return setup_failure_; }

private:
    std::optional<Block> current_;
    bool layout_done_ = false;
    bool all_done_ = false;
    std::string setup_failure_;
};

} // namespace vfs
