#pragma once

#include "bench/bench_stats.hpp"
#include "bench/meta_plan.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vfs {

// One timed run of one workload in one column (an "@@META" console line).
struct MetaSample {
    std::string column;
    std::string workload;
    int rep = 0;
    double ms = 0;
    int rc = 0; // the workload's exit status; not 0: not counted

    // "@@META <workload> <rep> <ms> <rc>" -> a sample; nullopt otherwise.
    static std::optional<MetaSample> parse(std::string_view line, const std::string& column);
};

// How one column's boot went: completed, skipped (with why) or failed.
struct MetaColumnRun {
    std::string column;
    std::string outcome;
    std::string message;
    double seconds = 0;
};

// Everything one `vfs-harness bench --metadata` produced; meta.json is to_json().
struct MetaResults {
    std::vector<MetaColumn> columns;
    std::vector<std::string> workloads;
    std::vector<MetaSample> samples;
    std::vector<MetaColumnRun> runs;
    nlohmann::json meta = nlohmann::json::object();

    // Median and range of the successful repeats; nullopt when there are none.
    std::optional<BenchSummary> summary(const std::string& column,
                                        const std::string& workload) const;
    // How many times faster `column` is than `base` (base median / column
    // median); nullopt when either is missing.
    std::optional<double> speedup(const std::string& column, const std::string& base,
                                  const std::string& workload) const;
    bool has_column(const std::string& id) const;
    nlohmann::json to_json() const;
};

} // namespace vfs
