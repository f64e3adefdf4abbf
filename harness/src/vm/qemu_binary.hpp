#pragma once

#include "util/project_paths.hpp"
#include "vm/run_options.hpp"

#include <string>

namespace vfs {

// Whether `o` asks for a DAX window or other device properties of our patch
// series but names no QEMU: Debian's 7.2 has neither, so such a boot needs
// our patched build.
bool needs_patched_qemu(const RunOptions& o);

// The last non-empty line of `out` (build-qemu-dax.sh prints the binary's
// path last, after whatever its steps print).
std::string last_line(const std::string& out);

// Sets o.qemu to the patched QEMU when needs_patched_qemu(o): runs
// scripts/qemu/build-qemu-dax.sh, which builds it on first use and otherwise
// only prints the cached path. Throws std::runtime_error if that fails.
void resolve_qemu(const ProjectPaths& paths, RunOptions& o);

} // namespace vfs
