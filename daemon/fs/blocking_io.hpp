#pragma once

#include <map>
#include <mutex>
#include <sys/types.h>

namespace vfsd::fs {

// I/O can block for as long as something outside the host's own storage
// pleases on a FIFO, a socket or a device, or on a file of a network or
// FUSE mount.  Such I/O must stay cancellable by FUSE_INTERRUPT, and must
// not hold up the requests queued behind it; I/O on a regular file of a
// local file system ends by itself.

// Whether fd (of any kind, O_PATH too) lies on a local file system (ext4,
// xfs, btrfs, f2fs, tmpfs, ramfs), not a network, FUSE or other one.  When
// in doubt (an unknown file system, fstatfs failing), false.
bool on_local_storage(int fd);

// on_local_storage() remembered per device, so that classifying a file of a
// device seen before costs no system call.
class LocalDevices {
public:
    bool local(dev_t dev, int fd);

private:
    std::mutex mutex_;
    std::map<dev_t, bool> local_; // guarded by mutex_
};

} // namespace vfsd::fs
