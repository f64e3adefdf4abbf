#include "bench/bench_stats.hpp"

#include <algorithm>

namespace vfs {

double BenchSummary::spread_pct() const {
    if (n < 2 || median <= 0) {
        return 0;
    }
    return (max - min) / 2 / median * 100;
}

std::optional<BenchSummary> summarize(std::vector<double> values) {
    if (values.empty()) {
        return std::nullopt;
    }
    std::sort(values.begin(), values.end());
    BenchSummary s;
    s.n = values.size();
    s.min = values.front();
    s.max = values.back();
    auto mid = s.n / 2;
    s.median = s.n % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    return s;
}

std::optional<double> ratio(const std::optional<BenchSummary>& a,
                            const std::optional<BenchSummary>& b) {
    if (!a || !b || b->median <= 0) {
        return std::nullopt;
    }
    return a->median / b->median;
}

} // namespace vfs
