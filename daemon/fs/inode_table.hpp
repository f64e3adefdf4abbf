#pragma once

#include "common/unique_fd.hpp"
#include "fs/inode.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <sys/stat.h>
#include <utility>

namespace vfsd::fs {

// Nodes by id and by (st_dev, st_ino), with the guest's lookup counts.  A node
// lives while the guest holds lookup references or a request still uses it
// (shared_ptr); its fd closes when both are gone.  The root never goes away.
class InodeTable {
public:
    InodeTable(UniqueFd root_fd, const struct stat& root_stat);

    std::shared_ptr<Inode> root() const { return root_; }
    // nullptr if the guest names a node it does not hold.
    std::shared_ptr<Inode> get(NodeId id) const;
    // One more lookup reference to the file fd refers to; fd is closed if the
    // file is already known.
    std::shared_ptr<Inode> acquire(UniqueFd fd, const struct stat& st);
    void forget(NodeId id, std::uint64_t nlookup);
    // Forgets every node but the root.
    void clear();

    std::size_t size() const;
    std::uint64_t lookup_count(NodeId id) const;

private:
    mutable std::mutex mutex_;
    std::shared_ptr<Inode> root_;
    NodeId next_id_;
    std::map<NodeId, std::shared_ptr<Inode>> by_id_;
    std::map<std::pair<dev_t, ino_t>, NodeId> by_file_;
};

} // namespace vfsd::fs
