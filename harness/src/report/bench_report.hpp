#pragma once

#include "bench/bench_results.hpp"

#include <optional>
#include <string>

namespace vfs {

// The Markdown report of a bench run: bandwidth table in the cover letter's
// row order, ratio table against 9p and Debian's module, virtqueue counters.
class BenchReport {
public:
    explicit BenchReport(const BenchResults& results) : r_(results) {}

    std::string markdown() const;

    // "123 ±4%", "0 (n.a.)" when every repeat failed (unsupported), "-" when
    // the cell was not measured.
    std::string bandwidth_cell(const std::string& column, const std::string& row) const;
    // "1.23", "n.a."
    static std::string ratio_cell(std::optional<double> ratio);
    // Rows where `column` is clearly slower than `baseline` (see
    // BenchSummary::clearly_below).
    std::vector<std::string> clearly_slower(const std::string& column,
                                            const std::string& baseline) const;

private:
    std::string bandwidth_table() const;
    std::string ratio_table() const;
    std::vector<std::string> our_module_columns() const;
    std::string counter_table() const;
    std::string latency_table() const;
    std::string per_io_table() const;
    std::string failures() const;

    const BenchResults& r_;
};

} // namespace vfs
