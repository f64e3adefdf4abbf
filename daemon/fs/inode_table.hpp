#pragma once

#include "common/unique_fd.hpp"
#include "fs/inode.hpp"
#include "fs/node_ids.hpp"
#include "fs/node_state_store.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sys/stat.h>
#include <utility>
#include <vector>

namespace vfsd::fs {

// Nodes by id and by (st_dev, st_ino), with the guest's lookup counts.  A node
// lives while the guest holds lookup references or a request still uses it
// (shared_ptr); its fd closes when both are gone.  The root never goes away.
// With a version table, ids are the table's slots (see NodeIds).
class InodeTable {
public:
    // With a state store (may be null), every node id, its lookup count and
    // its host file handle are recorded there as they change.
    InodeTable(UniqueFd root_fd, const struct stat& root_stat, VersionTable* versions = nullptr,
               NodeStateStore* store = nullptr);

    std::shared_ptr<Inode> root() const { return root_; }
    // nullptr if the guest names a node it does not hold.
    std::shared_ptr<Inode> get(NodeId id) const;
    // One more lookup reference to the file fd refers to; fd is closed if the
    // file is already known.
    std::shared_ptr<Inode> acquire(UniqueFd fd, const struct stat& st);
    void forget(NodeId id, std::uint64_t nlookup);
    // The node of a known file, if the guest holds one.
    std::optional<NodeId> find(dev_t dev, ino_t ino) const;
    // Every node the guest holds, the root included.
    std::vector<NodeId> ids() const;
    // Forgets every node but the root.
    void clear();
    // Takes back a node a killed predecessor gave out, under the same id and
    // generation with its lookup count; false if the id or file is known.
    bool restore(NodeId id, std::uint64_t generation, std::uint64_t nlookup, UniqueFd fd,
                 const struct stat& st);
    // New ids start at next (see NodeIds::resume).
    void resume_ids(NodeId next);

    std::size_t size() const;
    std::uint64_t lookup_count(NodeId id) const;

private:
    mutable std::mutex mutex_;
    std::shared_ptr<Inode> root_;
    NodeIds ids_;
    NodeStateStore* store_;
    std::map<NodeId, std::shared_ptr<Inode>> by_id_;
    std::map<std::pair<dev_t, ino_t>, NodeId> by_file_;
};

} // namespace vfsd::fs
