#include "bench/bench_progress.hpp"

#include <cmath>
#include <fmt/format.h>

namespace vfs {

BenchProgress::BenchProgress(std::size_t columns, std::size_t jobs_per_column, double runtime_sec)
    : columns_(columns), jobs_per_column_(jobs_per_column), job_guess_(runtime_sec + 1.5) {}

void BenchProgress::job_done(double seconds) {
    ++jobs_done_;
    ++jobs_measured_;
    ++jobs_in_column_;
    job_sum_ += seconds;
    jobs_time_in_column_ += seconds;
}

void BenchProgress::column_done(double boot_seconds) {
    // A column that failed early counts its missing jobs as done.
    jobs_done_ += jobs_per_column_ - std::min(jobs_in_column_, jobs_per_column_);
    ++columns_done_;
    overhead_sum_ += std::max(0.0, boot_seconds - jobs_time_in_column_);
    jobs_in_column_ = 0;
    jobs_time_in_column_ = 0;
}

double BenchProgress::remaining_sec() const {
    double per_job =
        jobs_measured_ > 0 ? job_sum_ / static_cast<double>(jobs_measured_) : job_guess_;
    double per_boot =
        columns_done_ > 0 ? overhead_sum_ / static_cast<double>(columns_done_) : overhead_guess_;
    auto jobs_left = jobs_total() > jobs_done_ ? jobs_total() - jobs_done_ : 0;
    auto boots_left = columns_ > columns_done_ ? columns_ - columns_done_ : 0;
    // The current boot's overhead is partly spent already; count it half.
    double boots = static_cast<double>(boots_left);
    if (jobs_in_column_ > 0 && boots > 0) {
        boots -= 0.5;
    }
    return static_cast<double>(jobs_left) * per_job + boots * per_boot;
}

std::string BenchProgress::duration(double seconds) {
    auto s = static_cast<long>(std::lround(std::max(0.0, seconds)));
    if (s < 60) {
        return fmt::format("{}s", s);
    }
    if (s < 3600) {
        return fmt::format("{}m{:02}s", s / 60, s % 60);
    }
    return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

} // namespace vfs
