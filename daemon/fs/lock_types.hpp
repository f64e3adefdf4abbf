#pragma once

#include <cstdint>
#include <limits>
#include <sys/types.h>

namespace vfsd::fs {

// Who holds POSIX record locks in the guest (fuse's lock_owner: one per
// guest process, i.e. per files_struct).  Opaque to us.
using LockOwner = std::uint64_t;

// A byte range lock as the guest sees it: end is inclusive, kLockToEnd
// means "to the end of the file, however long it grows".
struct LockRange {
    static constexpr off_t kLockToEnd = std::numeric_limits<off_t>::max();
    int type = 0; // F_RDLCK, F_WRLCK or F_UNLCK
    off_t start = 0;
    off_t end = kLockToEnd;
    pid_t pid = 0; // the guest process that asked or (GETLK) holds; 0: none we know
};

// flock(2) operations without LOCK_NB (whether to wait is a separate flag).
enum class FlockOp { Shared, Exclusive, Unlock };

} // namespace vfsd::fs
