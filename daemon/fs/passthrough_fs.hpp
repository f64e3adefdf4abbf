#pragma once

#include "common/unique_fd.hpp"
#include "fs/blocking_io.hpp"
#include "fs/file_system.hpp"
#include "fs/handle_table.hpp"
#include "fs/inode_table.hpp"
#include "fs/lock_table.hpp"
#include "fs/node_state_store.hpp"
#include "fs/version_table.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <string>

namespace vfsd::fs {

struct PassthroughOptions {
    // The guest caches writes (FUSE writeback cache): it may read files it
    // opened write-only and computes append offsets itself.
    bool writeback = false;
    bool xattr = true;
    // Counters bumped before every reply to a change (may be null: none).
    VersionTable* versions = nullptr;
    // Where node ids and open handles are recorded for a restarted daemon
    // (--state-file; may be null: none).
    NodeStateStore* state = nullptr;
};

// What restore_state() took back from a killed predecessor.
struct RestoreReport {
    std::size_t nodes = 0;
    std::size_t nodes_lost = 0; // gone from the host, or recorded without a handle
    std::size_t handles = 0;
    std::size_t handles_lost = 0;
};

// Serves a host directory.  Every access goes through *at() calls relative to
// O_PATH fds of known nodes, with names that are single components and
// O_NOFOLLOW where a symlink could otherwise be followed, so the guest cannot
// reach anything outside the source directory.
class PassthroughFs final : public FileSystem {
public:
    // Throws std::system_error if source cannot be opened.
    PassthroughFs(const std::string& source, PassthroughOptions options);
    // The same with the process's /proc/self/fd already open, for a daemon
    // confined where /proc cannot be reached by path.
    PassthroughFs(const std::string& source, UniqueFd proc_self_fd, PassthroughOptions options);

    void reset() override;
    Result<Entry> lookup(NodeId parent, std::string_view name) override;
    void forget(NodeId node, std::uint64_t nlookup) override;
    Result<struct stat> getattr(NodeId node, std::optional<HandleId> handle) override;
    Result<struct stat> setattr(NodeId node, const AttrChange& change) override;
    Result<std::string> readlink(NodeId node) override;
    Result<Entry> mknod(NodeId parent, std::string_view name, mode_t mode, dev_t rdev,
                        const Caller& caller) override;
    Result<Entry> mkdir(NodeId parent, std::string_view name, mode_t mode,
                        const Caller& caller) override;
    Result<Entry> symlink(NodeId parent, std::string_view name, std::string_view target,
                          const Caller& caller) override;
    Result<Entry> link(NodeId node, NodeId new_parent, std::string_view new_name) override;
    int unlink(NodeId parent, std::string_view name) override;
    int rmdir(NodeId parent, std::string_view name) override;
    int rename(NodeId parent, std::string_view name, NodeId new_parent, std::string_view new_name,
               unsigned flags) override;
    Result<HandleId> open(NodeId node, int flags) override;
    Result<std::pair<Entry, HandleId>> create(NodeId parent, std::string_view name, int flags,
                                              mode_t mode, const Caller& caller) override;
    Result<std::size_t> read(HandleId handle, std::span<const iovec> into, off_t offset) override;
    Result<std::size_t> write(HandleId handle, std::span<const iovec> from, off_t offset) override;
    bool io_may_block(HandleId handle) override;
    bool node_may_block(NodeId node) override;
    Result<UniqueFd> mapping_fd(NodeId node, std::optional<HandleId> handle,
                                bool writable) override;
    Result<LockRange> getlk(HandleId handle, LockOwner owner, const LockRange& range) override;
    int setlk(HandleId handle, LockOwner owner, const LockRange& range, bool wait) override;
    int flock(HandleId handle, FlockOp op, bool wait) override;
    void release_posix_locks(HandleId handle, LockOwner owner) override;
    int flush(HandleId handle) override;
    int release(HandleId handle) override;
    int fsync(HandleId handle, bool datasync) override;
    int fallocate(HandleId handle, int mode, off_t offset, off_t length) override;
    Result<off_t> lseek(HandleId handle, off_t offset, int whence) override;
    Result<std::size_t> copy_file_range(HandleId in, off_t in_offset, HandleId out,
                                        off_t out_offset, std::size_t length,
                                        unsigned flags) override;
    Result<HandleId> opendir(NodeId node) override;
    int readdir(HandleId handle, std::uint64_t offset, bool plus, const DirEmitter& emit) override;
    int releasedir(HandleId handle) override;
    int fsyncdir(HandleId handle, bool datasync) override;
    Result<StatFs> statfs(NodeId node) override;
    int setxattr(NodeId node, std::string_view name, std::span<const char> value,
                 int flags) override;
    Result<std::size_t> getxattr(NodeId node, std::string_view name,
                                 std::span<char> buffer) override;
    Result<std::size_t> listxattr(NodeId node, std::span<char> buffer) override;
    int removexattr(NodeId node, std::string_view name) override;
    int access(NodeId node, int mask) override;
    int syncfs(NodeId node) override;

    // A file changed on the host outside vfsd (the host change watcher): its
    // version is bumped if the guest knows it.  Thread safe.
    void host_changed(dev_t dev, ino_t ino);
    // Host changes were lost (the watcher's queue overflowed): every node
    // the guest knows may have changed.
    void host_changed_all();

    // Takes back the nodes and open handles recorded in the state store by a
    // killed predecessor, under the same ids (passthrough_restore.cpp).
    // Needs CAP_DAC_READ_SEARCH (open_by_handle_at).
    RestoreReport restore_state();

    // For tests: what the guest could observe of our bookkeeping.
    const InodeTable& inodes() const { return inodes_; }
    std::size_t open_handles() const { return files_.size() + dirs_.size(); }
    std::size_t lock_files() const { return locks_.size(); }

private:
    struct OpenedSource {
        UniqueFd fd;
        struct stat st;
    };
    static OpenedSource open_source(const std::string& source);
    PassthroughFs(OpenedSource root, UniqueFd proc_self_fd, PassthroughOptions options);

    struct OpenFile {
        UniqueFd fd;
        NodeId node;    // whose version a write through fd bumps
        bool may_block; // decided at open: not a regular file on local storage
    };
    std::shared_ptr<OpenFile> open_file(UniqueFd fd, NodeId node, const Inode& inode);
    // Whether inode's file system is local storage (cached per device).
    bool on_local_storage(const Inode& inode);
    struct OpenDir {
        std::mutex mutex;
        std::unique_ptr<DIR, int (*)(DIR*)> dir{nullptr, ::closedir};
        std::uint64_t position = 0;
        std::shared_ptr<Inode> inode;
    };

    // The description carrying owner's POSIX locks on the file (lock_ops.cpp).
    Result<std::shared_ptr<LockFile>> lock_file(const OpenFile& file, LockOwner owner);
    pid_t lock_holder_pid(NodeId node, LockOwner owner, const struct flock& asked,
                          const struct flock& found) const;

    // Records an open handle in the state store, if there is one.
    void record_handle(NodeStateStore::HandleKind kind, HandleId id, NodeId node, int flags);
    void forget_handle(NodeStateStore::HandleKind kind, HandleId id);
    bool restore_handle(const NodeStateStore::StoredHandle& stored);

    // Opens the file a node pins with real access mode flags (via /proc/self/fd).
    Result<UniqueFd> reopen(const Inode& inode, int flags) const;
    int remove_entry(NodeId parent_id, std::string_view name, int flags);
    // Looks name up in parent after it was (maybe) just created.
    Result<Entry> lookup_in(const std::shared_ptr<Inode>& parent, const std::string& name);
    template <typename Io>
    Result<std::size_t> file_io(HandleId handle, std::span<const iovec> iov, off_t offset, Io&& io);
    template <typename Make>
    int as_caller(int dirfd, const Caller& caller, std::optional<gid_t>& regroup, Make&& make);
    void set_group(Entry& entry, gid_t gid);
    template <typename Make>
    Result<Entry> make_entry(NodeId parent_id, std::string_view name, const Caller& caller,
                             Make&& make);
    Result<struct stat> stat_inode(const Inode& inode) const;
    std::string proc_name(const Inode& inode) const;
    int open_flags(int guest_flags) const;
    // Version table bumps, done after a change and before its reply.
    void changed(NodeId node);
    void changed_handle(HandleId handle);
    // The file dirfd/name names now, if the guest knows it (call before the
    // change that may remove the name).
    std::optional<NodeId> known_entry(int dirfd, const std::string& name) const;

    PassthroughOptions options_;
    UniqueFd proc_self_fd_;
    InodeTable inodes_;
    HandleTable<OpenFile> files_;
    LocalDevices local_devices_; // for node_may_block()
    HandleTable<OpenDir> dirs_;
    LockTable locks_;
};

} // namespace vfsd::fs
