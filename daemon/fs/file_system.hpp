#pragma once

#include "common/unique_fd.hpp"
#include "fs/lock_types.hpp"
#include "fs/result.hpp"
#include "fs/types.hpp"

#include <cerrno>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <sys/uio.h>
#include <utility>

namespace vfsd::fs {

// The operations the FUSE layer needs.  Status-returning calls give 0 or a
// positive errno.  Names are single path components as sent by the guest and
// are validated by the implementation.
class FileSystem {
public:
    virtual ~FileSystem() = default;

    // readdir callback: false means "no room", the entry is not consumed.
    using DirEmitter = std::function<bool(const DirEntry&, const Entry*)>;

    // Drops every node and handle except the root (unmount or new session).
    virtual void reset() = 0;

    virtual Result<Entry> lookup(NodeId parent, std::string_view name) = 0;
    virtual void forget(NodeId node, std::uint64_t nlookup) = 0;
    virtual Result<struct stat> getattr(NodeId node, std::optional<HandleId> handle) = 0;
    virtual Result<struct stat> setattr(NodeId node, const AttrChange& change) = 0;
    virtual Result<std::string> readlink(NodeId node) = 0;

    virtual Result<Entry> mknod(NodeId parent, std::string_view name, mode_t mode, dev_t rdev,
                                const Caller& caller) = 0;
    virtual Result<Entry> mkdir(NodeId parent, std::string_view name, mode_t mode,
                                const Caller& caller) = 0;
    virtual Result<Entry> symlink(NodeId parent, std::string_view name, std::string_view target,
                                  const Caller& caller) = 0;
    virtual Result<Entry> link(NodeId node, NodeId new_parent, std::string_view new_name) = 0;
    virtual int unlink(NodeId parent, std::string_view name) = 0;
    virtual int rmdir(NodeId parent, std::string_view name) = 0;
    virtual int rename(NodeId parent, std::string_view name, NodeId new_parent,
                       std::string_view new_name, unsigned flags) = 0;

    virtual Result<HandleId> open(NodeId node, int flags) = 0;
    virtual Result<std::pair<Entry, HandleId>>
    create(NodeId parent, std::string_view name, int flags, mode_t mode, const Caller& caller) = 0;
    virtual Result<std::size_t> read(HandleId handle, std::span<const iovec> into,
                                     off_t offset) = 0;
    virtual Result<std::size_t> write(HandleId handle, std::span<const iovec> from,
                                      off_t offset) = 0;
    // Whether read() or write() on handle may block until something outside
    // the host's storage answers (a FIFO, a network or FUSE mount): only such
    // calls need to be cancellable by FUSE_INTERRUPT (fs/blocking_io.hpp).
    virtual bool io_may_block(HandleId handle) {
        (void)handle;
        return true;
    }
    // Whether an operation on node (a lookup in it, its attributes, opening
    // it) may block likewise: true unless it is a regular file, a directory
    // or a symlink on local storage.
    virtual bool node_may_block(NodeId node) {
        (void)node;
        return true;
    }
    // A file descriptor of a regular file for a DAX mapping of node, from the
    // open handle if there is one, else opened for the purpose: readable, and
    // writable if asked.  EACCES if the handle's access mode does not allow it.
    virtual Result<UniqueFd> mapping_fd(NodeId node, std::optional<HandleId> handle,
                                        bool writable) {
        (void)node, (void)handle, (void)writable;
        return Errno{ENOSYS};
    }
    // POSIX record locks of a guest lock owner on the file handle is open on.
    // getlk: the first lock of another owner (or a host process) that
    // conflicts with range, or type F_UNLCK.  setlk: 0, EAGAIN if it
    // conflicts and !wait; with wait it blocks until granted, or until the
    // calling thread is interrupted by a signal (EINTR).
    virtual Result<LockRange> getlk(HandleId handle, LockOwner owner, const LockRange& range) {
        (void)handle, (void)owner, (void)range;
        return Errno{ENOSYS};
    }
    virtual int setlk(HandleId handle, LockOwner owner, const LockRange& range, bool wait) {
        (void)handle, (void)owner, (void)range, (void)wait;
        return ENOSYS;
    }
    // flock(2) on the open file handle stands for; blocking as setlk.
    virtual int flock(HandleId handle, FlockOp op, bool wait) {
        (void)handle, (void)op, (void)wait;
        return ENOSYS;
    }
    // The owner closed a descriptor of the file: POSIX drops all its locks.
    virtual void release_posix_locks(HandleId handle, LockOwner owner) {
        (void)handle, (void)owner;
    }
    virtual int flush(HandleId handle) = 0;
    virtual int release(HandleId handle) = 0;
    virtual int fsync(HandleId handle, bool datasync) = 0;
    virtual int fallocate(HandleId handle, int mode, off_t offset, off_t length) = 0;
    virtual Result<off_t> lseek(HandleId handle, off_t offset, int whence) = 0;
    virtual Result<std::size_t> copy_file_range(HandleId in, off_t in_offset, HandleId out,
                                                off_t out_offset, std::size_t length,
                                                unsigned flags) = 0;

    virtual Result<HandleId> opendir(NodeId node) = 0;
    // Emits entries from offset on; with plus, non-dot entries come with an
    // Entry holding a lookup reference (dropped again if emit returns false).
    virtual int readdir(HandleId handle, std::uint64_t offset, bool plus,
                        const DirEmitter& emit) = 0;
    virtual int releasedir(HandleId handle) = 0;
    virtual int fsyncdir(HandleId handle, bool datasync) = 0;

    virtual Result<StatFs> statfs(NodeId node) = 0;
    virtual int setxattr(NodeId node, std::string_view name, std::span<const char> value,
                         int flags) = 0;
    // An empty buffer asks for the size.
    virtual Result<std::size_t> getxattr(NodeId node, std::string_view name,
                                         std::span<char> buffer) = 0;
    virtual Result<std::size_t> listxattr(NodeId node, std::span<char> buffer) = 0;
    virtual int removexattr(NodeId node, std::string_view name) = 0;
    virtual int access(NodeId node, int mask) = 0;
    virtual int syncfs(NodeId node) = 0;
};

} // namespace vfsd::fs
