// PassthroughFs: POSIX record locks and flock(2), held on the host.
//
// A guest lock owner's POSIX locks on a file live on an open file
// description of its own (LockTable), as F_OFD_* locks: they conflict with
// other owners in this guest, with other guests' daemons and with the host's
// own processes (classic fcntl locks and OFD locks interact), and dropping
// the description drops them all, as POSIX close() does.  flock(2) locks
// are taken on the handle's own description, which is what the guest's
// struct file stands for.

#include "fs/passthrough_fs.hpp"

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <sys/stat.h>

namespace vfsd::fs {

namespace {

int errno_or_eio() {
    return errno != 0 ? errno : EIO;
}

struct flock to_flock(const LockRange& range) {
    struct flock fl {};
    fl.l_type = static_cast<short>(range.type);
    fl.l_whence = SEEK_SET;
    fl.l_start = range.start;
    fl.l_len = range.end == LockRange::kLockToEnd ? 0 : range.end - range.start + 1;
    fl.l_pid = 0; // F_OFD_* insist on it
    return fl;
}

LockRange from_flock(const struct flock& fl) {
    LockRange range;
    range.type = fl.l_type;
    range.start = fl.l_start;
    range.end = fl.l_len == 0 ? LockRange::kLockToEnd : fl.l_start + fl.l_len - 1;
    return range;
}

bool same_lock(const struct flock& a, const struct flock& b) {
    return a.l_type == b.l_type && a.l_start == b.l_start && a.l_len == b.l_len &&
           a.l_pid == b.l_pid;
}

bool valid(const LockRange& range) {
    return (range.type == F_RDLCK || range.type == F_WRLCK || range.type == F_UNLCK) &&
           range.start >= 0 && range.end >= range.start;
}

} // namespace

Result<std::shared_ptr<LockFile>> PassthroughFs::lock_file(const OpenFile& file, LockOwner owner) {
    if (auto found = locks_.find(file.node, owner)) {
        return found;
    }
    struct stat st;
    if (::fstat(file.fd.get(), &st) != 0) {
        return Errno{errno_or_eio()};
    }
    if (!S_ISREG(st.st_mode)) {
        return Errno{ENOLCK}; // reopening a device or FIFO could have side effects
    }
    // A new description of the same file, reopened through /proc/self/fd.
    // Read-write when allowed, so the owner can take write locks whichever
    // of its handles it locks through; else with the handle's access mode.
    const std::string name = std::to_string(file.fd.get());
    UniqueFd fd(::openat(proc_self_fd_.get(), name.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        const int mode = ::fcntl(file.fd.get(), F_GETFL) & O_ACCMODE;
        fd.reset(::openat(proc_self_fd_.get(), name.c_str(), mode | O_CLOEXEC | O_NOCTTY));
    }
    if (!fd) {
        return Errno{errno_or_eio()};
    }
    return locks_.insert(file.node, owner, std::make_shared<LockFile>(std::move(fd)));
}

Result<LockRange> PassthroughFs::getlk(HandleId handle, LockOwner owner, const LockRange& range) {
    auto file = files_.get(handle);
    if (!file) {
        return Errno{EBADF};
    }
    if (!valid(range) || range.type == F_UNLCK) {
        return Errno{EINVAL};
    }
    // The owner's own locks never conflict: ask through its description.  An
    // owner without one holds nothing, and the handle's description carries
    // no F_OFD_ locks, so it asks as a stranger would.
    auto own = locks_.find(file->node, owner);
    const int fd = own ? own->fd.get() : file->fd.get();
    const struct flock asked = to_flock(range);
    struct flock found = asked;
    if (::fcntl(fd, F_OFD_GETLK, &found) != 0) {
        return Errno{errno_or_eio()};
    }
    if (found.l_type == F_UNLCK) {
        LockRange none = range;
        none.type = F_UNLCK;
        none.pid = 0;
        return none;
    }
    LockRange holder = from_flock(found);
    holder.pid = lock_holder_pid(file->node, owner, asked, found);
    return holder;
}

// A guest pid only when the holder is another owner in this guest, else 0.
// fuse.ko takes the pid of a GETLK reply as a pid of the guest (it looks it
// up in the mounter's pid namespace), so a host process's pid (classic fcntl
// locks) would name whichever guest process has that number, and -1 (an OFD
// lock: another guest's daemon, or a host process) cannot be passed on; 0
// says "no process here", as NFSv4 reports a remote holder.  An owner holds
// the conflicting lock if it does not see it when it asks.
pid_t PassthroughFs::lock_holder_pid(NodeId node, LockOwner owner, const struct flock& asked,
                                     const struct flock& found) const {
    if (found.l_pid != -1) {
        return 0;
    }
    for (const auto& other : locks_.others(node, owner)) {
        struct flock probe = asked;
        if (::fcntl(other->fd.get(), F_OFD_GETLK, &probe) == 0 && !same_lock(probe, found)) {
            return other->guest_pid.load();
        }
    }
    return 0;
}

int PassthroughFs::setlk(HandleId handle, LockOwner owner, const LockRange& range, bool wait) {
    auto file = files_.get(handle);
    if (!file) {
        return EBADF;
    }
    if (!valid(range)) {
        return EINVAL;
    }
    std::shared_ptr<LockFile> lock;
    if (range.type == F_UNLCK) {
        lock = locks_.find(file->node, owner);
        if (!lock) {
            return 0; // holds nothing here
        }
    } else {
        auto opened = lock_file(*file, owner);
        if (!opened.ok()) {
            return opened.error();
        }
        lock = std::move(*opened);
        lock->guest_pid = range.pid;
    }
    struct flock fl = to_flock(range);
    if (::fcntl(lock->fd.get(), wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) == 0) {
        return 0;
    }
    // EINTR: the waiting thread was signalled (an interrupted SETLKW).
    const int err = errno_or_eio();
    return err == EACCES ? EAGAIN : err;
}

int PassthroughFs::flock(HandleId handle, FlockOp op, bool wait) {
    auto file = files_.get(handle);
    if (!file) {
        return EBADF;
    }
    int how = op == FlockOp::Shared ? LOCK_SH : op == FlockOp::Exclusive ? LOCK_EX : LOCK_UN;
    if (!wait) {
        how |= LOCK_NB;
    }
    if (::flock(file->fd.get(), how) == 0) {
        return 0;
    }
    const int err = errno_or_eio();
    return err == EWOULDBLOCK ? EAGAIN : err;
}

void PassthroughFs::release_posix_locks(HandleId handle, LockOwner owner) {
    if (auto file = files_.get(handle)) {
        locks_.remove(file->node, owner);
    }
}

} // namespace vfsd::fs
