#pragma once

#include "common/unique_fd.hpp"
#include "fs/lock_types.hpp"
#include "fs/types.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace vfsd::fs {

// The host open file description that carries one guest lock owner's POSIX
// locks on one file, as open-file-description (F_OFD_*) locks.  Different
// owners get different descriptions, so they conflict with each other just
// as they conflict with the host's processes and with other daemons.
struct LockFile {
    explicit LockFile(UniqueFd f) : fd(std::move(f)) {}
    UniqueFd fd;
    std::atomic<pid_t> guest_pid{0}; // who last locked through it (for F_GETLK)
};

// (node, lock owner) -> LockFile.  POSIX locks belong to a process and a
// file, not to one of its descriptors, hence the node and not the handle.
// Dropping an entry closes the description once no waiter still uses it,
// which releases every lock the owner held on the file.  Thread safe.
class LockTable {
public:
    std::shared_ptr<LockFile> find(NodeId node, LockOwner owner) const;
    // The existing entry, or file installed as the new one.
    std::shared_ptr<LockFile> insert(NodeId node, LockOwner owner, std::shared_ptr<LockFile> file);
    // Every other owner's entry on node (to find who holds a conflicting lock).
    std::vector<std::shared_ptr<LockFile>> others(NodeId node, LockOwner owner) const;
    void remove(NodeId node, LockOwner owner);
    void clear();
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::map<std::pair<NodeId, LockOwner>, std::shared_ptr<LockFile>> files_;
};

} // namespace vfsd::fs
