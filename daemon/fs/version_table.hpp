#pragma once

#include "common/mapping.hpp"
#include "common/unique_fd.hpp"
#include "fs/types.hpp"

#include <cstdint>

namespace vfsd::fs {

// The shared-memory version table (include/uapi/linux/virtio_fs.h): a memfd
// the transport hands to the frontend as shared memory region 1, a header,
// then one little-endian u64 counter per slot.  Node id N uses slot N - 1.
// vfsd is the only writer; guests read it.  Every method is thread safe:
// counters are only touched with atomic read-modify-writes.
class VersionTable {
public:
    // size: bytes of the region, a multiple of the page size holding the
    // header and at least two slots.  generation 0 picks a random non-zero
    // one (a new value at every daemon start).  Throws std::system_error or
    // std::invalid_argument.
    explicit VersionTable(std::uint64_t size, std::uint64_t generation = 0);
    // Marks the table invalid, so a guest that still maps it stops trusting it.
    ~VersionTable();
    VersionTable(const VersionTable&) = delete;
    VersionTable& operator=(const VersionTable&) = delete;

    int fd() const { return memfd_.get(); }
    std::uint64_t size() const { return mapping_.size(); }
    std::uint64_t nr_slots() const { return nr_slots_; }
    std::uint64_t generation() const { return generation_; }
    // Whether node has a slot (node ids beyond the table have none).
    bool has_slot(NodeId node) const { return node >= 1 && node - 1 < nr_slots_; }

    // Increments node's counter with release ordering and returns the new
    // value: whatever changed before is visible to a reader that sees it.
    // 0 (and nothing written) for a node without a slot.
    std::uint64_t bump(NodeId node);
    // The counter, read with acquire ordering; 0 for a node without a slot.
    std::uint64_t version(NodeId node) const;

    // Offset of the first counter from the region start.
    static constexpr std::uint64_t kSlotsOffset = 64;

private:
    std::uint64_t* slot(NodeId node) const;

    UniqueFd memfd_;
    Mapping mapping_;
    std::uint64_t nr_slots_ = 0;
    std::uint64_t generation_ = 0;
};

} // namespace vfsd::fs
