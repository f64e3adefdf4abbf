#pragma once

#include <cstddef>
#include <string>

namespace vfs {

// Estimates the time left of a bench run from what it has measured so far:
// the mean time per fio job and the mean per-boot overhead (boot, file
// layout, poweroff), starting from guesses based on the fio runtime.
class BenchProgress {
public:
    BenchProgress(std::size_t columns, std::size_t jobs_per_column, double runtime_sec);

    void job_done(double seconds);         // wall time of one job, console to console
    void column_done(double boot_seconds); // whole boot, jobs included

    std::size_t jobs_done() const { return jobs_done_; }
    std::size_t jobs_total() const { return columns_ * jobs_per_column_; }
    double remaining_sec() const;

    // "12m05s", "45s"
    static std::string duration(double seconds);

private:
    std::size_t columns_;
    std::size_t jobs_per_column_;
    std::size_t jobs_done_ = 0;
    std::size_t jobs_measured_ = 0;
    std::size_t columns_done_ = 0;
    std::size_t jobs_in_column_ = 0; // done in the current column
    double job_sum_ = 0;
    double overhead_sum_ = 0;
    double job_guess_;
    double overhead_guess_ = 25;
    double jobs_time_in_column_ = 0;
};

} // namespace vfs
