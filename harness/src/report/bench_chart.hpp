#pragma once

#include "bench/bench_results.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace vfs {

// Grouped bar charts, one per fio engine: a group per workload (single and
// multi), a bar per column, error bars from min to max; drawn by gnuplot.
class BenchChart {
public:
    explicit BenchChart(const BenchResults& results) : r_(results) {}

    // gnuplot's data file for one engine: a line per row, then median, min,
    // max per column ("NaN" where nothing was measured).
    std::string data(const std::string& engine) const;
    // The gnuplot script that turns `data_file` into `svg_file`.
    std::string script(const std::string& engine, const std::string& data_file,
                       const std::string& svg_file) const;
    // Writes chart-<engine>.{dat,gp,svg} into dir for every engine that has
    // rows; returns the SVGs drawn. A missing gnuplot is logged, not thrown.
    std::vector<std::filesystem::path> draw(const std::filesystem::path& dir) const;

private:
    const BenchResults& r_;
};

} // namespace vfs
