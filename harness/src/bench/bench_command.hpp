#pragma once

#include "bench/bench_cli.hpp"
#include "util/project_paths.hpp"

namespace vfs {

// `vfs-harness bench`: one guest boot per column, every selected row and
// repeat inside it; writes bench.json, table.md and chart-<engine>.svg into
// a new results directory. Returns the process exit status.
int bench_command(const ProjectPaths& paths, const BenchOptions& opts);

} // namespace vfs
