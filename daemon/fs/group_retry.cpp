#include "fs/group_retry.hpp"

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

namespace vfsd::fs {

std::optional<GroupRetry> group_retry(int dirfd, const Caller& caller, int err) {
    if (err != EACCES || caller.uid == 0 || ::geteuid() != 0) {
        return std::nullopt;
    }
    struct stat dir;
    if (::fstat(dirfd, &dir) != 0 || dir.st_uid == caller.uid || dir.st_gid == caller.gid ||
        (dir.st_mode & (S_IWGRP | S_IXGRP)) != (S_IWGRP | S_IXGRP)) {
        return std::nullopt; // the owner or primary-group bits decided
    }
    // In a setgid directory the entry takes the directory's group anyway.
    return GroupRetry{dir.st_gid, (dir.st_mode & S_ISGID) == 0};
}

} // namespace vfsd::fs
