#pragma once

#include "bench/meta_results.hpp"

#include <filesystem>
#include <string>

namespace vfs {

// The Markdown report of a metadata bench run: wall time per workload and
// column (median of the repeats, range), then how many times faster each
// column is than cache=none and than cache=always, then skipped columns.
std::string meta_markdown(const MetaResults& res);

// meta.dat/meta.gp and, when gnuplot runs, meta.svg in `dir`: a bar per
// column, a group per workload, log scale, error bars min..max.
void draw_meta_chart(const MetaResults& res, const std::filesystem::path& dir);

} // namespace vfs
