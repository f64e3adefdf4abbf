#pragma once

#include "fs/types.hpp"

#include <optional>
#include <sys/types.h>

namespace vfsd::fs {

// The guest checks permission with all of a caller's groups, but the FUSE
// request (protocol 7.38, Linux 6.1) carries only the primary gid, so the
// host refuses a creation a supplementary group allows.  When that happened
// (EACCES in a directory whose group may write and search it), the
// directory's group is the one the guest allowed it through.
struct GroupRetry {
    gid_t fsgid;  // create as this group...
    bool regroup; // ...then give the entry the caller's gid (no setgid parent)
};

// A retry for a creation in @dirfd that failed with @err as @caller, or
// nullopt.  Only for a daemon that switches credentials (root).
std::optional<GroupRetry> group_retry(int dirfd, const Caller& caller, int err);

} // namespace vfsd::fs
