#pragma once

#include "fs/types.hpp"

#include <cstdint>
#include <vector>

namespace vfsd::fs {

class VersionTable;

// Hands out node ids and FUSE generations.  Without a version table ids are
// never reused and every generation is 0.  With one, the id names a slot
// (nodeid = slot + 1), so ids are kept inside the table and freed ids are
// reused; each allocation bumps the slot, and the new counter value becomes
// the inode's generation, so a reused id never repeats an earlier
// (nodeid, generation) pair and the guest's fuse.ko sees a new inode.  Ids
// past the table (all slots in use) have no slot and are not reused.
//
// Not thread safe: InodeTable calls it under its own mutex.
class NodeIds {
public:
    struct Allocation {
        NodeId id;
        std::uint64_t generation;
    };

    explicit NodeIds(VersionTable* table);

    Allocation allocate();
    void release(NodeId id);
    // Every id but the root is free again.
    void reset();
    // After restoring a killed predecessor's nodes: new ids start at next
    // (its high-water mark), and the holes below are not reused.
    void resume(NodeId next);

private:
    VersionTable* table_;
    NodeId next_;              // never handed out yet
    std::vector<NodeId> free_; // released slot ids, reused last-in first-out
};

} // namespace vfsd::fs
