#pragma once

#include "bench/bench_results.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace vfs {

// Same-run ratio floors for the CI benchmark (`bench --floors FILE`, make
// bench-check; Documentation/benchmarks.md). One floor a line:
//
//     COLUMN / BASELINE  ROWS  FLOOR   # comment
//
// ROWS is "*" (every row of the run) or comma-separated row names; the
// ratio is COLUMN's median bandwidth over BASELINE's on that row. A ratio
// below FLOOR fails, and so does a cell that was not measured: a broken
// column must not pass for a fast one.
class BenchFloors {
public:
    struct Floor {
        std::string column;
        std::string baseline;
        std::vector<std::string> rows; // empty: every row
        double floor = 0;
        int line = 0; // in the file, for messages
    };

    struct Verdict {
        Floor floor; // a copy: verdicts outlive the BenchFloors they came from
        std::string row;
        std::optional<double> ratio; // nullopt: a cell was not measured
        bool pass = false;
    };

    // Throws std::invalid_argument naming the line for malformed input.
    static BenchFloors parse(const std::string& text);
    static BenchFloors load(const std::string& path);

    const std::vector<Floor>& floors() const { return floors_; }

    // Every floor on every row it names. Throws std::invalid_argument when a
    // floor names a column or row the run does not have (a wrong file or
    // command line, not a slow run).
    std::vector<Verdict> evaluate(const BenchResults& r) const;

    static bool all_pass(const std::vector<Verdict>& v);
    static std::string markdown(const std::vector<Verdict>& v);
    static nlohmann::json to_json(const std::vector<Verdict>& v);

private:
    std::vector<Floor> floors_;
};

} // namespace vfs
