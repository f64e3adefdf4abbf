#pragma once

// Runs a libFuzzer target inside vfsd's own confinement (Documentation/vfsd.md,
// "Fuzzing"): the namespace sandbox of enter_sandbox(), vfsd's capability set
// and its seccomp filter in kill mode, so a system call outside vfsd's
// allow-list kills the fuzzer and fails `make fuzz`.
#include "common/unique_fd.hpp"

#include <string>

namespace vfsd::fuzz {

struct FuzzRoot {
    // The directory to serve, as the confined process names it.
    std::string share;
    // /proc/self/fd of the confined process (PassthroughFs reopens through it).
    UniqueFd proc_self_fd;
};

// Call from LLVMFuzzerInitialize with its arguments.  Makes a scratch tree
// (share/ to serve, the corpus directories and -artifact_prefix's directory
// bound in beside it), rewrites those arguments to their confined names
// (crash files without -artifact_prefix stay in the scratch tree), enters the sandbox
// (this forks: the calling process only waits and exits as the fuzzer
// does), and installs the filter.  Exits on failure.
FuzzRoot enter_fuzz_sandbox(int* argc, char*** argv);

} // namespace vfsd::fuzz
