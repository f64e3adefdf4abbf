#pragma once

#include "common/mapping.hpp"
#include "common/unique_fd.hpp"
#include "fs/types.hpp"

#include <cstdint>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace vfsd::fs {

// What a guest holds from vfsd, kept outside the process so that a vfsd
// started after a kill (--state-file) can go on serving the same guest: the
// FUSE session, every node id with its generation, lookup count and host
// file handle (name_to_handle_at), and every open file or directory handle
// with its node and open flags.
//
// The file is mapped MAP_SHARED: each change is a store into the page cache,
// which outlives the process, so nothing needs flushing.  Records are
// written field by field with the key (id) stored last and cleared first, so
// a kill at any point leaves each record either whole or absent.  The file
// says nothing about host data; it is not meant to survive a host reboot.
//
// Thread safe: one mutex guards the slot bookkeeping.
class NodeStateStore {
public:
    struct Capacity {
        std::uint32_t nodes = 1U << 18;
        std::uint32_t handles = 1U << 16;
    };

    // A host file handle (struct file_handle's payload, MAX_HANDLE_SZ bytes).
    struct FileHandle {
        std::uint32_t bytes = 0; // 0: none (the host file system has no handles)
        std::int32_t type = 0;
        std::uint8_t data[128] = {};
    };

    struct StoredNode {
        NodeId id;
        std::uint64_t generation;
        std::uint64_t nlookup;
        FileHandle handle;
    };

    enum class HandleKind : std::uint32_t { File = 1, Directory = 2 };

    struct StoredHandle {
        HandleId id;
        HandleKind kind;
        NodeId node;
        int flags; // host open flags, without O_CREAT/O_EXCL/O_TRUNC
    };

    // Opens path, creating it (mode 0600) when missing; an existing file of
    // another layout or capacity is started afresh.  Throws std::system_error.
    static std::unique_ptr<NodeStateStore> open(const std::string& path, Capacity capacity);
    NodeStateStore(UniqueFd fd, Mapping mapping, Capacity capacity);

    // The shared directory this daemon serves: a session recorded for
    // another one is never taken back.
    void bind_root(dev_t root_dev, ino_t root_ino);
    // The session of the guest the records belong to: begun at FUSE_INIT,
    // ended at DESTROY or the next INIT.
    void begin_session();
    void end_session();
    // Whether a predecessor left a session running on the bound root.
    bool session_active() const;

    // Node records.  put_node() returns false when the store is full (the
    // node then does not survive a restart).
    bool put_node(NodeId id, std::uint64_t generation, std::uint64_t nlookup,
                  const FileHandle& handle);
    void set_lookup_count(NodeId id, std::uint64_t nlookup);
    void erase_node(NodeId id);
    std::vector<StoredNode> nodes() const;
    // Above every node id ever recorded in this session.
    NodeId next_node_id() const;

    // Handle records; the same false when full.
    bool put_handle(HandleKind kind, HandleId id, NodeId node, int flags);
    void erase_handle(HandleKind kind, HandleId id);
    std::vector<StoredHandle> handles() const;

    // Drops every node and handle record (a session ending or restarting).
    void clear();

    // name_to_handle_at of an fd (O_PATH is fine); nullopt if the host file
    // system gives none.
    static std::optional<FileHandle> handle_of(int fd);
    // open_by_handle_at relative to a file on the same file system; needs
    // CAP_DAC_READ_SEARCH.  Invalid fd and errno set on failure.
    static UniqueFd open_handle(int mount_fd, const FileHandle& handle, int flags);

private:
    struct Header;
    struct NodeRecord;
    struct HandleRecord;

    Header* header() const;
    NodeRecord* node_record(std::uint32_t slot) const;
    HandleRecord* handle_record(std::uint32_t slot) const;
    void index_records();
    static std::uint64_t handle_key(HandleKind kind, HandleId id);

    UniqueFd fd_;
    Mapping mapping_;
    Capacity capacity_;
    dev_t root_dev_ = 0;
    ino_t root_ino_ = 0;

    mutable std::mutex mutex_;
    std::unordered_map<NodeId, std::uint32_t> node_slots_;
    std::vector<std::uint32_t> free_node_slots_;
    std::unordered_map<std::uint64_t, std::uint32_t> handle_slots_;
    std::vector<std::uint32_t> free_handle_slots_;
    bool full_logged_ = false;
};

} // namespace vfsd::fs
