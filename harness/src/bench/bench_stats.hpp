#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace vfs {

// Median and spread of the repeats of one measurement.
struct BenchSummary {
    std::size_t n = 0;
    double median = 0;
    double min = 0;
    double max = 0;

    // Half the min..max range as a percentage of the median (0 for n < 2).
    double spread_pct() const;
    // True when this measurement is below `other` beyond both spreads, i.e.
    // its best repeat is slower than the other's worst one.
    bool clearly_below(const BenchSummary& other) const { return max < other.min; }
};

// nullopt for an empty sample.
std::optional<BenchSummary> summarize(std::vector<double> values);

// a.median / b.median; nullopt when either is missing or b is 0.
std::optional<double> ratio(const std::optional<BenchSummary>& a,
                            const std::optional<BenchSummary>& b);

} // namespace vfs
