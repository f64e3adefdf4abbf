#pragma once

#include "common/unique_fd.hpp"
#include "fs/types.hpp"

#include <sys/types.h>

namespace vfsd::fs {

// One file of the shared tree the guest knows about, pinned by an O_PATH fd
// so it stays reachable under renames and never by a path string.
struct Inode {
    NodeId id = 0;
    std::uint64_t generation = 0; // FUSE generation: (id, generation) is unique
    dev_t dev = 0;
    ino_t ino = 0;
    mode_t type = 0; // S_IFMT bits
    UniqueFd fd;
    std::uint64_t nlookup = 0; // guarded by InodeTable's mutex
};

} // namespace vfsd::fs
