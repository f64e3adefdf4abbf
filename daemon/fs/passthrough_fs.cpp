#include "fs/passthrough_fs.hpp"

#include "fs/group_retry.hpp"
#include "fs/name_check.hpp"
#include "fs/scoped_credentials.hpp"

#include <cerrno>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string>
#include <sys/file.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace vfsd::fs {

namespace {

int last_errno() {
    return errno != 0 ? errno : EIO;
}

Errno fail() {
    return Errno{last_errno()};
}

// Runs a positional vector I/O call in chunks of at most IOV_MAX spans.
template <typename Call>
Result<std::size_t> vector_io(std::span<const iovec> spans, off_t offset, Call call) {
    std::size_t done = 0;
    while (!spans.empty()) {
        const auto n = std::min<std::size_t>(spans.size(), IOV_MAX);
        std::size_t want = 0;
        for (std::size_t i = 0; i < n; ++i) {
            want += spans[i].iov_len;
        }
        ssize_t r = call(spans.data(), static_cast<int>(n), offset + static_cast<off_t>(done));
        if (r < 0) {
            // EINTR too: a slow file (FUSE, NFS) was interrupted on purpose;
            // the caller decides whether to retry.
            if (done > 0) {
                break;
            }
            return fail();
        }
        done += static_cast<std::size_t>(r);
        if (static_cast<std::size_t>(r) < want) {
            break; // end of file or short write: report what we have
        }
        spans = spans.subspan(n);
    }
    return done;
}

} // namespace

PassthroughFs::OpenedSource PassthroughFs::open_source(const std::string& source) {
    OpenedSource root;
    root.fd.reset(::open(source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root.fd) {
        throw std::system_error(errno, std::generic_category(), "open source " + source);
    }
    if (::fstat(root.fd.get(), &root.st) != 0) {
        throw std::system_error(errno, std::generic_category(), "stat source " + source);
    }
    return root;
}

PassthroughFs::PassthroughFs(const std::string& source, PassthroughOptions options)
    : PassthroughFs(open_source(source),
                    UniqueFd(::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC)), options) {}

PassthroughFs::PassthroughFs(const std::string& source, UniqueFd proc_self_fd,
                             PassthroughOptions options)
    : PassthroughFs(open_source(source), std::move(proc_self_fd), options) {}

PassthroughFs::PassthroughFs(OpenedSource root, UniqueFd proc_self_fd, PassthroughOptions options)
    : options_(options), proc_self_fd_(std::move(proc_self_fd)),
      inodes_(std::move(root.fd), root.st, options.versions, options.state) {
    if (!proc_self_fd_) {
        throw std::system_error(errno, std::generic_category(), "open /proc/self/fd");
    }
}

void PassthroughFs::changed(NodeId node) {
    if (options_.versions != nullptr) {
        options_.versions->bump(node);
    }
}

void PassthroughFs::changed_handle(HandleId handle) {
    if (options_.versions == nullptr) {
        return;
    }
    if (auto file = files_.get(handle)) {
        options_.versions->bump(file->node);
    }
}

std::optional<NodeId> PassthroughFs::known_entry(int dirfd, const std::string& name) const {
    struct stat st;
    if (options_.versions == nullptr ||
        ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return std::nullopt;
    }
    return inodes_.find(st.st_dev, st.st_ino);
}

void PassthroughFs::host_changed(dev_t dev, ino_t ino) {
    if (auto node = inodes_.find(dev, ino)) {
        changed(*node);
    }
}

void PassthroughFs::host_changed_all() {
    for (NodeId node : inodes_.ids()) {
        changed(node);
    }
}

void PassthroughFs::reset() {
    locks_.clear();
    files_.clear();
    dirs_.clear();
    inodes_.clear();
    if (options_.state != nullptr) {
        options_.state->clear();
    }
}

std::string PassthroughFs::proc_name(const Inode& inode) const {
    return std::to_string(inode.fd.get());
}

Result<UniqueFd> PassthroughFs::reopen(const Inode& inode, int flags) const {
    if (inode.type == S_IFLNK) {
        return Errno{ELOOP};
    }
    UniqueFd fd(::openat(proc_self_fd_.get(), proc_name(inode).c_str(), flags | O_CLOEXEC));
    if (!fd) {
        return fail();
    }
    return fd;
}

Result<struct stat> PassthroughFs::stat_inode(const Inode& inode) const {
    struct stat st;
    if (::fstatat(inode.fd.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        return fail();
    }
    return st;
}

Result<Entry> PassthroughFs::lookup_in(const std::shared_ptr<Inode>& parent,
                                       const std::string& name) {
    UniqueFd fd(::openat(parent->fd.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        return fail();
    }
    Entry entry;
    if (::fstatat(fd.get(), "", &entry.attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        return fail();
    }
    auto inode = inodes_.acquire(std::move(fd), entry.attr);
    entry.node = inode->id;
    entry.generation = inode->generation;
    return entry;
}

Result<Entry> PassthroughFs::lookup(NodeId parent_id, std::string_view name) {
    auto parent = inodes_.get(parent_id);
    if (!parent) {
        return Errno{EBADF};
    }
    if (int err = name_error(name, NameUse::Lookup)) {
        return Errno{err};
    }
    if (parent->type != S_IFDIR) {
        return Errno{ENOTDIR};
    }
    // ".." of the root must not leave the shared tree; "." is the node itself.
    if (name == "." || (name == ".." && parent_id == kRootNode)) {
        UniqueFd fd(::openat(parent->fd.get(), ".", O_PATH | O_CLOEXEC));
        if (!fd) {
            return fail();
        }
        Entry entry;
        if (::fstat(fd.get(), &entry.attr) != 0) {
            return fail();
        }
        auto inode = inodes_.acquire(std::move(fd), entry.attr);
        entry.node = inode->id;
        entry.generation = inode->generation;
        return entry;
    }
    return lookup_in(parent, std::string(name));
}

void PassthroughFs::forget(NodeId node, std::uint64_t nlookup) {
    inodes_.forget(node, nlookup);
}

Result<struct stat> PassthroughFs::getattr(NodeId node, std::optional<HandleId> handle) {
    if (handle) {
        if (auto file = files_.get(*handle)) {
            struct stat st;
            if (::fstat(file->fd.get(), &st) != 0) {
                return fail();
            }
            return st;
        }
    }
    auto inode = inodes_.get(node);
    if (!inode) {
        return Errno{EBADF};
    }
    return stat_inode(*inode);
}

Result<struct stat> PassthroughFs::setattr(NodeId node, const AttrChange& change) {
    auto inode = inodes_.get(node);
    if (!inode) {
        return Errno{EBADF};
    }
    // Bumped however far the change got: an early step may have applied.
    struct Bump {
        PassthroughFs& fs;
        NodeId node;
        ~Bump() { fs.changed(node); }
    } bump{*this, node};
    std::shared_ptr<OpenFile> file = change.handle ? files_.get(*change.handle) : nullptr;
    const std::string name = proc_name(*inode);
    if (change.mode) {
        int r = file ? ::fchmod(file->fd.get(), *change.mode)
                     : ::fchmodat(proc_self_fd_.get(), name.c_str(), *change.mode, 0);
        if (r != 0) {
            return fail();
        }
    }
    if (change.uid || change.gid) {
        const uid_t uid = change.uid ? *change.uid : static_cast<uid_t>(-1);
        const gid_t gid = change.gid ? *change.gid : static_cast<gid_t>(-1);
        if (::fchownat(inode->fd.get(), "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
            return fail();
        }
    }
    if (change.size) {
        int r;
        if (file) {
            r = ::ftruncate(file->fd.get(), *change.size);
        } else {
            auto fd = reopen(*inode, O_WRONLY);
            if (!fd.ok()) {
                return Errno{fd.error()};
            }
            r = ::ftruncate(fd->get(), *change.size);
        }
        if (r != 0) {
            return fail();
        }
    }
    if (change.atime_change != AttrChange::Time::Keep ||
        change.mtime_change != AttrChange::Time::Keep) {
        auto pick = [](AttrChange::Time how, const timespec& t) {
            switch (how) {
            case AttrChange::Time::Now:
                return timespec{0, UTIME_NOW};
            case AttrChange::Time::Set:
                return t;
            default:
                return timespec{0, UTIME_OMIT};
            }
        };
        const timespec times[2] = {pick(change.atime_change, change.atime),
                                   pick(change.mtime_change, change.mtime)};
        int r;
        if (file) {
            r = ::futimens(file->fd.get(), times);
        } else if (inode->type == S_IFLNK) {
            // A symlink's own times: only through its parent, which we do not track.
            r = ::utimensat(inode->fd.get(), "", times, AT_EMPTY_PATH);
        } else {
            r = ::utimensat(proc_self_fd_.get(), name.c_str(), times, 0);
        }
        if (r != 0) {
            return fail();
        }
    }
    return stat_inode(*inode);
}

Result<std::string> PassthroughFs::readlink(NodeId node) {
    auto inode = inodes_.get(node);
    if (!inode) {
        return Errno{EBADF};
    }
    std::string target(PATH_MAX, '\0');
    ssize_t n = ::readlinkat(inode->fd.get(), "", target.data(), target.size());
    if (n < 0) {
        return fail();
    }
    target.resize(static_cast<std::size_t>(n));
    return target;
}

// Runs make(dirfd) (0, or -1 with errno) with the caller's fs credentials,
// and once more through the parent's group if only a supplementary group
// of the caller's allows it (fs/group_retry.hpp).  0 or errno.
template <typename Make>
int PassthroughFs::as_caller(int dirfd, const Caller& caller, std::optional<gid_t>& regroup,
                             Make&& make) {
    int err;
    {
        ScopedCredentials creds(caller.uid, caller.gid);
        err = make(dirfd) == 0 ? 0 : last_errno();
    }
    auto retry = group_retry(dirfd, caller, err);
    if (!retry) {
        return err;
    }
    ScopedCredentials creds(caller.uid, retry->fsgid);
    if (make(dirfd) != 0) {
        return last_errno();
    }
    if (retry->regroup) {
        regroup = caller.gid;
    }
    return 0;
}

// Gives a just-created entry the group a local file system would have given
// it.  chown drops set-id bits; put them back.
void PassthroughFs::set_group(Entry& entry, gid_t gid) {
    auto node = inodes_.get(entry.node);
    if (!node) {
        return;
    }
    const Inode& inode = *node;
    struct stat before;
    if (::fstatat(inode.fd.get(), "", &before, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 ||
        ::fchownat(inode.fd.get(), "", static_cast<uid_t>(-1), gid,
                   AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
        return;
    }
    if (inode.type != S_IFLNK && (before.st_mode & (S_ISUID | S_ISGID))) {
        ::fchmodat(proc_self_fd_.get(), proc_name(inode).c_str(), before.st_mode & 07777, 0);
    }
    if (auto st = stat_inode(inode); st.ok()) {
        entry.attr = *st;
    }
}

// MKNOD, MKDIR and SYMLINK: check the parent and the new name, let @make
// create the entry as the caller (make(dirfd, name) returns 0 or -1 with
// errno), then look it up.
template <typename Make>
Result<Entry> PassthroughFs::make_entry(NodeId parent_id, std::string_view name,
                                        const Caller& caller, Make&& make) {
    auto parent = inodes_.get(parent_id);
    if (!parent) {
        return Errno{EBADF};
    }
    if (int err = name_error(name, NameUse::Create)) {
        return Errno{err};
    }
    const std::string n(name);
    std::optional<gid_t> regroup;
    if (int err = as_caller(parent->fd.get(), caller, regroup,
                            [&](int dirfd) { return make(dirfd, n.c_str()); })) {
        return Errno{err};
    }
    changed(parent_id);
    auto entry = lookup_in(parent, n);
    if (entry.ok() && regroup) {
        set_group(*entry, *regroup);
    }
    return entry;
}

Result<Entry> PassthroughFs::mknod(NodeId parent_id, std::string_view name, mode_t mode, dev_t rdev,
                                   const Caller& caller) {
    return make_entry(parent_id, name, caller,
                      [&](int dirfd, const char* n) { return ::mknodat(dirfd, n, mode, rdev); });
}

Result<Entry> PassthroughFs::mkdir(NodeId parent_id, std::string_view name, mode_t mode,
                                   const Caller& caller) {
    return make_entry(parent_id, name, caller,
                      [&](int dirfd, const char* n) { return ::mkdirat(dirfd, n, mode); });
}

Result<Entry> PassthroughFs::symlink(NodeId parent_id, std::string_view name,
                                     std::string_view target, const Caller& caller) {
    if (target.empty() || target.size() >= PATH_MAX ||
        target.find('\0') != std::string_view::npos) {
        return Errno{target.empty() ? ENOENT : ENAMETOOLONG};
    }
    const std::string t(target);
    // The target is only text to us; it is never followed on the host.
    return make_entry(parent_id, name, caller,
                      [&](int dirfd, const char* n) { return ::symlinkat(t.c_str(), dirfd, n); });
}

Result<Entry> PassthroughFs::link(NodeId node, NodeId new_parent_id, std::string_view new_name) {
    auto inode = inodes_.get(node);
    auto parent = inodes_.get(new_parent_id);
    if (!inode || !parent) {
        return Errno{EBADF};
    }
    if (int err = name_error(new_name, NameUse::Create)) {
        return Errno{err};
    }
    const std::string n(new_name);
    if (::linkat(inode->fd.get(), "", parent->fd.get(), n.c_str(), AT_EMPTY_PATH) != 0) {
        // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc link works without.
        if (errno != ENOENT && errno != EPERM) {
            return fail();
        }
        if (::linkat(proc_self_fd_.get(), proc_name(*inode).c_str(), parent->fd.get(), n.c_str(),
                     AT_SYMLINK_FOLLOW) != 0) {
            return fail();
        }
    }
    changed(node); // its link count
    changed(new_parent_id);
    return lookup_in(parent, n);
}

int PassthroughFs::unlink(NodeId parent_id, std::string_view name) {
    return remove_entry(parent_id, name, 0);
}

int PassthroughFs::rmdir(NodeId parent_id, std::string_view name) {
    return remove_entry(parent_id, name, AT_REMOVEDIR);
}

int PassthroughFs::remove_entry(NodeId parent_id, std::string_view name, int flags) {
    auto parent = inodes_.get(parent_id);
    if (!parent) {
        return EBADF;
    }
    if (int err = name_error(name, flags & AT_REMOVEDIR ? NameUse::Rmdir : NameUse::Unlink)) {
        return err;
    }
    const std::string n(name);
    // The removed file's link count changes too.
    const auto victim = known_entry(parent->fd.get(), n);
    if (::unlinkat(parent->fd.get(), n.c_str(), flags) != 0) {
        return last_errno();
    }
    changed(parent_id);
    if (victim) {
        changed(*victim);
    }
    return 0;
}

int PassthroughFs::rename(NodeId parent_id, std::string_view name, NodeId new_parent_id,
                          std::string_view new_name, unsigned flags) {
    auto parent = inodes_.get(parent_id);
    auto new_parent = inodes_.get(new_parent_id);
    if (!parent || !new_parent) {
        return EBADF;
    }
    if (flags & ~static_cast<unsigned>(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) {
        return EINVAL;
    }
    if (int err = name_error(name, NameUse::Rename)) {
        return err;
    }
    if (int err = name_error(new_name, NameUse::Rename)) {
        return err;
    }
    const std::string from(name), to(new_name);
    // The moved file (its ctime, a directory's "..") and a replaced or
    // exchanged target (its link count) change with the two directories.
    const auto moved = known_entry(parent->fd.get(), from);
    const auto replaced = known_entry(new_parent->fd.get(), to);
    if (::renameat2(parent->fd.get(), from.c_str(), new_parent->fd.get(), to.c_str(), flags) != 0) {
        return last_errno();
    }
    changed(parent_id);
    changed(new_parent_id);
    for (const auto& node : {moved, replaced}) {
        if (node) {
            changed(*node);
        }
    }
    return 0;
}

int PassthroughFs::open_flags(int guest_flags) const {
    // The guest resolved the path and applies its own O_DIRECT caching rules;
    // the host open only needs access mode and data-affecting flags.
    int flags = guest_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_DIRECT);
    if (options_.writeback) {
        // With a guest write cache the guest also reads from write-only files
        // (to fill partial pages) and computes append offsets itself.
        if ((flags & O_ACCMODE) == O_WRONLY) {
            flags = (flags & ~O_ACCMODE) | O_RDWR;
        }
        flags &= ~O_APPEND;
    }
    return flags | O_CLOEXEC;
}

Result<HandleId> PassthroughFs::open(NodeId node, int flags) {
    auto inode = inodes_.get(node);
    if (!inode) {
        return Errno{EBADF};
    }
    auto fd = reopen(*inode, open_flags(flags));
    if (!fd.ok()) {
        return Errno{fd.error()};
    }
    if (flags & O_TRUNC) {
        changed(node);
    }
    const HandleId id = files_.insert(open_file(std::move(*fd), node, *inode));
    record_handle(NodeStateStore::HandleKind::File, id, node, open_flags(flags));
    return id;
}

Result<UniqueFd> PassthroughFs::mapping_fd(NodeId node, std::optional<HandleId> handle,
                                           bool writable) {
    if (handle) {
        auto file = files_.get(*handle);
        if (!file) {
            return Errno{EBADF};
        }
        const int flags = ::fcntl(file->fd.get(), F_GETFL);
        if (flags < 0) {
            return fail();
        }
        // mmap needs a readable fd for any mapping, a writable one for writes.
        const int mode = flags & O_ACCMODE;
        if (mode == O_WRONLY || (writable && mode != O_RDWR)) {
            return Errno{EACCES};
        }
        UniqueFd copy(::fcntl(file->fd.get(), F_DUPFD_CLOEXEC, 0));
        if (!copy) {
            return fail();
        }
        return copy;
    }
    auto inode = inodes_.get(node);
    if (!inode) {
        return Errno{EBADF};
    }
    if (inode->type != S_IFREG) {
        return Errno{EINVAL};
    }
    return reopen(*inode, writable ? O_RDWR : O_RDONLY);
}

Result<std::pair<Entry, HandleId>> PassthroughFs::create(NodeId parent_id, std::string_view name,
                                                         int flags, mode_t mode,
                                                         const Caller& caller) {
    auto parent = inodes_.get(parent_id);
    if (!parent) {
        return Errno{EBADF};
    }
    if (int err = name_error(name, NameUse::Create)) {
        return Errno{err};
    }
    const std::string n(name);
    UniqueFd fd;
    std::optional<gid_t> regroup;
    // O_NOFOLLOW: an existing symlink under this name must not redirect the
    // create to a file outside the shared tree.
    const int err = as_caller(parent->fd.get(), caller, regroup, [&](int dirfd) {
        fd.reset(::openat(dirfd, n.c_str(),
                          open_flags(flags) | O_CREAT | (flags & O_EXCL) | O_NOFOLLOW, mode));
        return fd ? 0 : -1;
    });
    if (err != 0) {
        return Errno{err};
    }
    changed(parent_id);
    auto entry = lookup_in(parent, n);
    if (!entry.ok()) {
        return Errno{entry.error()};
    }
    if (regroup) {
        set_group(*entry, *regroup);
    }
    // An existing file opened with O_TRUNC changed as well.
    changed(entry->node);
    auto inode = inodes_.get(entry->node);
    if (!inode) {
        return Errno{EBADF}; // forgotten before the guest was even told of it
    }
    const HandleId handle = files_.insert(open_file(std::move(fd), entry->node, *inode));
    record_handle(NodeStateStore::HandleKind::File, handle, entry->node, open_flags(flags));
    return std::pair{*entry, handle};
}

// The inode's type and device are known since its LOOKUP, so deciding costs
// no system call but for the first file of each device.
std::shared_ptr<PassthroughFs::OpenFile> PassthroughFs::open_file(UniqueFd fd, NodeId node,
                                                                  const Inode& inode) {
    const bool may_block = inode.type != S_IFREG || !on_local_storage(inode);
    return std::make_shared<OpenFile>(OpenFile{std::move(fd), node, may_block});
}

bool PassthroughFs::on_local_storage(const Inode& inode) {
    return local_devices_.local(inode.dev, inode.fd.get());
}

bool PassthroughFs::io_may_block(HandleId handle) {
    auto file = files_.get(handle);
    return !file || file->may_block;
}

bool PassthroughFs::node_may_block(NodeId node) {
    auto inode = inodes_.get(node);
    // Opening a FIFO or a device may wait for a peer or the hardware.
    if (!inode || (inode->type != S_IFREG && inode->type != S_IFDIR && inode->type != S_IFLNK)) {
        return true;
    }
    return !on_local_storage(*inode);
}

// READ and WRITE: the handle's fd, then preadv/pwritev over the spans.
template <typename Io>
Result<std::size_t> PassthroughFs::file_io(HandleId handle, std::span<const iovec> iov,
                                           off_t offset, Io&& io) {
    auto file = files_.get(handle);
    if (!file) {
        return Errno{EBADF};
    }
    const int fd = file->fd.get();
    return vector_io(iov, offset,
                     [fd, &io](const iovec* v, int n, off_t off) { return io(fd, v, n, off); });
}

Result<std::size_t> PassthroughFs::read(HandleId handle, std::span<const iovec> into,
                                        off_t offset) {
    return file_io(handle, into, offset, ::preadv);
}

Result<std::size_t> PassthroughFs::write(HandleId handle, std::span<const iovec> from,
                                         off_t offset) {
    auto written = file_io(handle, from, offset, ::pwritev);
    // Even a failed write may have written (and extended) part of the range.
    changed_handle(handle);
    return written;
}

int PassthroughFs::flush(HandleId handle) {
    auto file = files_.get(handle);
    if (!file) {
        return EBADF;
    }
    // Closing a duplicate gives close()'s side effects (e.g. NFS flush, POSIX
    // lock release) without giving up the handle.
    UniqueFd dup(::dup(file->fd.get()));
    if (!dup) {
        return last_errno();
    }
    return ::close(dup.release()) == 0 ? 0 : last_errno();
}

int PassthroughFs::release(HandleId handle) {
    forget_handle(NodeStateStore::HandleKind::File, handle);
    return files_.remove(handle) ? 0 : EBADF;
}

int PassthroughFs::fsync(HandleId handle, bool datasync) {
    auto file = files_.get(handle);
    if (!file) {
        return EBADF;
    }
    int r = datasync ? ::fdatasync(file->fd.get()) : ::fsync(file->fd.get());
    return r == 0 ? 0 : last_errno();
}

int PassthroughFs::fallocate(HandleId handle, int mode, off_t offset, off_t length) {
    auto file = files_.get(handle);
    if (!file) {
        return EBADF;
    }
    const int r = ::fallocate(file->fd.get(), mode, offset, length) == 0 ? 0 : last_errno();
    changed(file->node);
    return r;
}

Result<off_t> PassthroughFs::lseek(HandleId handle, off_t offset, int whence) {
    auto file = files_.get(handle);
    if (!file) {
        return Errno{EBADF};
    }
    off_t r = ::lseek(file->fd.get(), offset, whence);
    if (r < 0) {
        return fail();
    }
    return r;
}

Result<std::size_t> PassthroughFs::copy_file_range(HandleId in, off_t in_offset, HandleId out,
                                                   off_t out_offset, std::size_t length,
                                                   unsigned flags) {
    auto src = files_.get(in);
    auto dst = files_.get(out);
    if (!src || !dst) {
        return Errno{EBADF};
    }
    loff_t in_off = in_offset;
    loff_t out_off = out_offset;
    ssize_t r = ::copy_file_range(src->fd.get(), &in_off, dst->fd.get(), &out_off, length, flags);
    const int err = r < 0 ? last_errno() : 0;
    changed(dst->node);
    if (r < 0) {
        return Errno{err};
    }
    return static_cast<std::size_t>(r);
}

Result<HandleId> PassthroughFs::opendir(NodeId node) {
    auto inode = inodes_.get(node);
    if (!inode) {
        return Errno{EBADF};
    }
    auto fd = reopen(*inode, O_RDONLY | O_DIRECTORY);
    if (!fd.ok()) {
        return Errno{fd.error()};
    }
    auto dir = std::make_shared<OpenDir>();
    dir->dir.reset(::fdopendir(fd->get()));
    if (!dir->dir) {
        return fail();
    }
    fd->release(); // now owned by the DIR stream
    dir->inode = std::move(inode);
    const HandleId id = dirs_.insert(std::move(dir));
    record_handle(NodeStateStore::HandleKind::Directory, id, node, O_RDONLY | O_DIRECTORY);
    return id;
}

int PassthroughFs::readdir(HandleId handle, std::uint64_t offset, bool plus,
                           const DirEmitter& emit) {
    auto dir = dirs_.get(handle);
    if (!dir) {
        return EBADF;
    }
    std::lock_guard lock(dir->mutex);
    if (offset != dir->position) {
        // Offsets we hand out are d_off values, which seekdir() accepts on Linux.
        ::seekdir(dir->dir.get(), static_cast<long>(offset));
        dir->position = offset;
    }
    for (;;) {
        errno = 0;
        dirent64* d = ::readdir64(dir->dir.get());
        if (d == nullptr) {
            return errno; // 0 at the end
        }
        const std::string_view name(d->d_name);
        DirEntry de{name, d->d_ino, d->d_type, static_cast<std::uint64_t>(d->d_off)};
        bool fits;
        if (!plus) {
            fits = emit(de, nullptr);
        } else if (name == "." || name == "..") {
            Entry attrs_only;
            attrs_only.attr.st_ino = d->d_ino;
            attrs_only.attr.st_mode = static_cast<mode_t>(DTTOIF(d->d_type));
            fits = emit(de, &attrs_only);
        } else {
            auto entry = lookup_in(dir->inode, std::string(name));
            if (!entry.ok()) {
                // Removed since the directory was read: skip it.
                dir->position = de.next_offset;
                continue;
            }
            fits = emit(de, &*entry);
            if (!fits) {
                inodes_.forget(entry->node, 1);
            }
        }
        if (!fits) {
            // Put the entry back for the next call.
            ::seekdir(dir->dir.get(), static_cast<long>(dir->position));
            return 0;
        }
        dir->position = de.next_offset;
    }
}

int PassthroughFs::releasedir(HandleId handle) {
    forget_handle(NodeStateStore::HandleKind::Directory, handle);
    return dirs_.remove(handle) ? 0 : EBADF;
}

int PassthroughFs::fsyncdir(HandleId handle, bool datasync) {
    auto dir = dirs_.get(handle);
    if (!dir) {
        return EBADF;
    }
    const int fd = ::dirfd(dir->dir.get());
    return (datasync ? ::fdatasync(fd) : ::fsync(fd)) == 0 ? 0 : last_errno();
}

Result<StatFs> PassthroughFs::statfs(NodeId node) {
    auto inode = inodes_.get(node);
    if (!inode) {
        return Errno{EBADF};
    }
    struct statfs s;
    if (::fstatfs(inode->fd.get(), &s) != 0) {
        return fail();
    }
    StatFs out;
    out.blocks = s.f_blocks;
    out.bfree = s.f_bfree;
    out.bavail = s.f_bavail;
    out.files = s.f_files;
    out.ffree = s.f_ffree;
    out.bsize = static_cast<std::uint32_t>(s.f_bsize);
    out.namelen = static_cast<std::uint32_t>(s.f_namelen);
    out.frsize = static_cast<std::uint32_t>(s.f_frsize);
    return out;
}

// Regular files and directories get their xattrs through an fd opened for
// reading; other types (symlinks, devices) through their /proc/self/fd entry,
// which resolves to the pinned inode itself without opening it.  A confined
// daemon reaches /proc only through proc_self_fd, so the path is taken
// relative to it as the working directory: the one cwd-relative use in vfsd,
// serialised by a lock because the cwd belongs to the whole process.
namespace {

std::mutex cwd_mutex;

template <typename FdCall, typename PathCall>
ssize_t with_xattr_target(const Inode& inode, int proc_self_fd, FdCall fd_call,
                          PathCall path_call) {
    const std::string entry = std::to_string(inode.fd.get());
    if (inode.type == S_IFREG || inode.type == S_IFDIR) {
        UniqueFd fd(::openat(proc_self_fd, entry.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        if (!fd) {
            return -1;
        }
        return fd_call(fd.get());
    }
    std::lock_guard lock(cwd_mutex);
    if (::fchdir(proc_self_fd) != 0) {
        return -1;
    }
    const ssize_t r = path_call(entry.c_str());
    const int err = errno;
    [[maybe_unused]] int back = ::chdir("/");
    errno = err;
    return r;
}

} // namespace

int PassthroughFs::setxattr(NodeId node, std::string_view name, std::span<const char> value,
                            int flags) {
    if (!options_.xattr) {
        return ENOSYS;
    }
    auto inode = inodes_.get(node);
    if (!inode) {
        return EBADF;
    }
    const std::string n(name);
    ssize_t r = with_xattr_target(
        *inode, proc_self_fd_.get(),
        [&](int fd) { return ::fsetxattr(fd, n.c_str(), value.data(), value.size(), flags); },
        [&](const char* p) { return ::setxattr(p, n.c_str(), value.data(), value.size(), flags); });
    if (r < 0) {
        return last_errno();
    }
    changed(node);
    return 0;
}

Result<std::size_t> PassthroughFs::getxattr(NodeId node, std::string_view name,
                                            std::span<char> buffer) {
    if (!options_.xattr) {
        return Errno{ENOSYS};
    }
    auto inode = inodes_.get(node);
    if (!inode) {
        return Errno{EBADF};
    }
    const std::string n(name);
    ssize_t r = with_xattr_target(
        *inode, proc_self_fd_.get(),
        [&](int fd) { return ::fgetxattr(fd, n.c_str(), buffer.data(), buffer.size()); },
        [&](const char* p) { return ::getxattr(p, n.c_str(), buffer.data(), buffer.size()); });
    if (r < 0) {
        return fail();
    }
    return static_cast<std::size_t>(r);
}

Result<std::size_t> PassthroughFs::listxattr(NodeId node, std::span<char> buffer) {
    if (!options_.xattr) {
        return Errno{ENOSYS};
    }
    auto inode = inodes_.get(node);
    if (!inode) {
        return Errno{EBADF};
    }
    ssize_t r = with_xattr_target(
        *inode, proc_self_fd_.get(),
        [&](int fd) { return ::flistxattr(fd, buffer.data(), buffer.size()); },
        [&](const char* p) { return ::listxattr(p, buffer.data(), buffer.size()); });
    if (r < 0) {
        return fail();
    }
    return static_cast<std::size_t>(r);
}

int PassthroughFs::removexattr(NodeId node, std::string_view name) {
    if (!options_.xattr) {
        return ENOSYS;
    }
    auto inode = inodes_.get(node);
    if (!inode) {
        return EBADF;
    }
    const std::string n(name);
    ssize_t r = with_xattr_target(
        *inode, proc_self_fd_.get(), [&](int fd) { return ::fremovexattr(fd, n.c_str()); },
        [&](const char* p) { return ::removexattr(p, n.c_str()); });
    if (r < 0) {
        return last_errno();
    }
    changed(node);
    return 0;
}

int PassthroughFs::access(NodeId node, int mask) {
    auto inode = inodes_.get(node);
    if (!inode) {
        return EBADF;
    }
    if (inode->type == S_IFLNK) {
        return 0;
    }
    return ::faccessat(proc_self_fd_.get(), proc_name(*inode).c_str(), mask, 0) == 0 ? 0
                                                                                     : last_errno();
}

int PassthroughFs::syncfs(NodeId node) {
    auto inode = inodes_.get(node);
    if (!inode) {
        return EBADF;
    }
    auto fd = reopen(*inode, O_RDONLY | O_NONBLOCK);
    if (!fd.ok()) {
        return fd.error();
    }
    return ::syncfs(fd->get()) == 0 ? 0 : last_errno();
}

} // namespace vfsd::fs
