#pragma once

#include "common/mapping.hpp"
#include "common/unique_fd.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace vfsd::vhost {

// The vhost-user inflight buffer (VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD) of
// one split virtqueue: which descriptor heads the backend has taken from the
// avail ring and not yet put in the used ring.  It lives in shared memory
// that the frontend keeps across backend restarts, so a backend that was
// killed leaves behind the requests it still owed, and the next one runs them
// again.  The frontend never looks inside; the layout and the update rules
// follow libvhost-user's.
//
// Crash safety: every field is written by a single store, in an order that
// leaves a consistent picture at every point a SIGKILL can land (see
// Inflight::begin_used/end_used and SplitVirtqueue).
struct InflightDescriptor {
    std::uint8_t inflight; // 1: taken, not yet used
    std::uint8_t padding[5];
    std::uint16_t next;    // unused for split rings
    std::uint64_t counter; // order in which heads were taken
};
static_assert(sizeof(InflightDescriptor) == 16);

struct InflightQueueHeader {
    std::uint64_t features;        // unused
    std::uint16_t version;         // kInflightVersion once initialised
    std::uint16_t desc_num;        // queue size
    std::uint16_t last_batch_head; // head being put in the used ring last
    std::uint16_t used_idx;        // used index after the last completed put
};
static_assert(sizeof(InflightQueueHeader) == 16);

inline constexpr std::uint16_t kInflightVersion = 1;

// One queue's region inside the buffer.  Only SplitVirtqueue writes it:
// taking heads from its popping thread, putting them under its used lock.
class InflightQueue {
public:
    InflightQueue(InflightQueueHeader* header, std::uint16_t size) : header_(header), size_(size) {}

    std::uint16_t size() const { return size_; }
    // A region a previous backend used for a queue of this size.
    bool initialised() const;
    // Forgets everything: a queue starting afresh.
    void reset();

    // Before the head's request is handed on: from here it is owed.
    void take(std::uint16_t head);
    // Around writing head to the used ring: a kill between the two leaves
    // last_batch_head naming it, and recover() sees the used index moved.
    void begin_used(std::uint16_t head);
    void end_used(std::uint16_t head, std::uint16_t used_idx);

    // After a restart, given the used index the ring shows: repairs a put
    // that was cut short and returns the heads still owed, oldest first.
    std::vector<std::uint16_t> recover(std::uint16_t ring_used_idx);

private:
    InflightDescriptor& desc(std::uint16_t head) const;

    InflightQueueHeader* header_;
    std::uint16_t size_;
    std::uint64_t counter_ = 0;
};

// The whole buffer: one region per queue, in queue order.
class InflightBuffer {
public:
    // Bytes one queue's region takes (64-byte aligned, as libvhost-user).
    static std::uint64_t queue_region_size(std::uint16_t queue_size);

    // GET_INFLIGHT_FD: a new zeroed buffer in a memfd.  Throws std::system_error.
    static std::shared_ptr<InflightBuffer> create(std::uint16_t num_queues,
                                                  std::uint16_t queue_size);
    // SET_INFLIGHT_FD: the frontend's buffer, maybe written by a predecessor.
    // Throws std::system_error or std::invalid_argument (size does not fit).
    static std::shared_ptr<InflightBuffer> adopt(UniqueFd fd, std::uint64_t mmap_size,
                                                 std::uint64_t mmap_offset,
                                                 std::uint16_t num_queues,
                                                 std::uint16_t queue_size);

    InflightBuffer(UniqueFd fd, Mapping mapping, std::uint64_t offset, std::uint16_t num_queues,
                   std::uint16_t queue_size);

    int fd() const { return fd_.get(); }
    std::uint64_t size() const { return mapping_.size() - offset_; }
    std::uint16_t num_queues() const { return num_queues_; }
    std::uint16_t queue_size() const { return queue_size_; }
    // nullptr past the last queue.
    InflightQueue* queue(unsigned index);

private:
    UniqueFd fd_;
    Mapping mapping_;
    std::uint64_t offset_;
    std::uint16_t num_queues_;
    std::uint16_t queue_size_;
    std::vector<InflightQueue> queues_;
};

} // namespace vfsd::vhost
