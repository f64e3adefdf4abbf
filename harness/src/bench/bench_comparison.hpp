#pragma once

#include "bench/bench_results.hpp"
#include "bench/bench_stats.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace vfs {

// Two bench.json results side by side (`vfs-harness bench --compare OLD NEW`):
// per row and column, NEW's median over OLD's with both spreads, and whether
// the change lies beyond them. Runs on different days see different host
// load, so only a change beyond both min..max ranges is called one.
class BenchComparison {
public:
    enum class Change { Same, Faster, Slower, Missing };

    struct Cell {
        std::string row;
        std::string column;
        std::optional<BenchSummary> old_bw; // MiB/s; nullopt: not measured or failed
        std::optional<BenchSummary> new_bw;
        std::optional<double> ratio; // new / old medians
        Change change = Change::Missing;
    };

    // Rows and columns in NEW's order, then those only OLD has; cells that
    // neither run measured are left out.
    BenchComparison(const BenchResults& old_run, const BenchResults& new_run);

    const std::vector<Cell>& cells() const { return cells_; }
    std::size_t count(Change c) const;
    bool any_slower() const { return count(Change::Slower) > 0; }

    std::string markdown() const;
    nlohmann::json to_json() const;

    static const char* to_string(Change c);
    // Faster when NEW's worst repeat beats OLD's best, Slower the other way.
    static Change classify(const std::optional<BenchSummary>& old_bw,
                           const std::optional<BenchSummary>& new_bw);

private:
    nlohmann::json old_meta_;
    nlohmann::json new_meta_;
    std::vector<Cell> cells_;
};

} // namespace vfs
