#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unordered_map>

struct file_handle;

namespace vfsd::fs {

// One host inode.
struct HostFileId {
    dev_t dev;
    ino_t ino;
    bool operator==(const HostFileId&) const = default;
};

// Host file handles already resolved to the inode they name.  A handle names
// one inode for that inode's whole life (it carries the generation), so the
// answer never goes stale: a reused inode number comes with another handle.
// Repeated fanotify events on the same files (a build writing its objects
// beside the share, on the same file system) then cost no open_by_handle_at
// and fstat each.  Bounded: when full it starts afresh.  Not thread-safe:
// the watcher's thread owns it.
class HostFileIds {
public:
    explicit HostFileIds(std::size_t capacity) : capacity_(capacity) {}

    std::optional<HostFileId> find(const file_handle& handle) const;
    void insert(const file_handle& handle, HostFileId id);
    std::size_t size() const { return ids_.size(); }

private:
    static std::string key(const file_handle& handle);

    std::size_t capacity_;
    std::unordered_map<std::string, HostFileId> ids_;
};

} // namespace vfsd::fs
