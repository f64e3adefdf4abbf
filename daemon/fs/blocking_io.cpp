#include "fs/blocking_io.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

namespace vfsd::fs {

namespace {

// File systems whose reads and writes end without help from a remote peer
// or a user-space server.  Others (NFS, CIFS, FUSE, overlay over any of
// them, ...) count as possibly slow.
bool is_local_storage(__fsword_t type) {
    switch (static_cast<unsigned long>(type)) {
    case EXT4_SUPER_MAGIC: // also ext2 and ext3
    case XFS_SUPER_MAGIC:
    case BTRFS_SUPER_MAGIC:
    case F2FS_SUPER_MAGIC:
    case TMPFS_MAGIC:
    case RAMFS_MAGIC:
        return true;
    default:
        return false;
    }
}

} // namespace

bool io_may_block(int fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        return true;
    }
    struct statfs fs;
    return ::fstatfs(fd, &fs) != 0 || !is_local_storage(fs.f_type);
}

} // namespace vfsd::fs
