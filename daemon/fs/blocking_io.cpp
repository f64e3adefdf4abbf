#include "fs/blocking_io.hpp"

#include <linux/magic.h>
#include <sys/vfs.h>

namespace vfsd::fs {

namespace {

// File systems whose operations end without help from a remote peer or a
// user-space server.  Others (NFS, CIFS, FUSE, overlay over any of them,
// ...) count as possibly slow.
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

bool on_local_storage(int fd) {
    struct statfs fs;
    return ::fstatfs(fd, &fs) == 0 && is_local_storage(fs.f_type);
}

bool LocalDevices::local(dev_t dev, int fd) {
    std::lock_guard lock(mutex_);
    auto it = local_.find(dev);
    if (it == local_.end()) {
        it = local_.emplace(dev, on_local_storage(fd)).first;
    }
    return it->second;
}

} // namespace vfsd::fs
