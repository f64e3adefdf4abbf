#pragma once

#include "bench/bench_cli.hpp"
#include "util/project_paths.hpp"

namespace vfs {

// `vfs-harness bench --metadata`: one guest boot per column, each on its own
// copy of the metadata tree (MetaTree), running tests/guest/meta-bench.sh;
// writes meta.json, table.md and meta.svg into a new results directory.
// A column whose QEMU lacks a device property, or whose daemon lacks a flag,
// is skipped with a message that says which. Returns the exit status.
int meta_bench_command(const ProjectPaths& paths, const BenchOptions& o);

} // namespace vfs
