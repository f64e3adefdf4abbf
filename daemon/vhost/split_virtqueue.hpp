#pragma once

#include "vhost/guest_memory.hpp"
#include "vhost/inflight.hpp"

#include <cstdint>
#include <linux/virtio_ring.h>
#include <memory>
#include <mutex>
#include <string>
#include <sys/uio.h>
#include <utility>
#include <vector>

namespace vfsd::vhost {

// QEMU virtual addresses of the three parts of a split ring.
struct VringAddresses {
    std::uint64_t desc = 0;
    std::uint64_t avail = 0;
    std::uint64_t used = 0;
};

struct DescriptorChain {
    std::uint16_t head = 0;
    std::vector<iovec> readable;
    std::vector<iovec> writable;
    // Bytes left out of the lists above: a buffer outside the memory table
    // (e.g. in the DAX window, which is not guest RAM) that is not the first
    // of its direction, and every later buffer of that direction.
    std::uint64_t unreachable_bytes = 0;
    bool readable_cut = false;
    bool writable_cut = false;
};

// Result of taking the next available buffer.
struct PopResult {
    enum class Status {
        Empty,    // nothing available
        Chain,    // chain holds a valid request
        BadChain, // chain.head is valid but the chain is malformed: give it back empty
        Broken,   // the ring itself is inconsistent: stop using it
    };
    Status status = Status::Empty;
    DescriptorChain chain;
    std::string error;
};

// The device side of a split virtqueue (virtio 1.x, 2.7) in guest memory.
// pop() runs on one thread only; push_used() may run on any thread.  Every
// index and address read from guest memory is checked before use: a guest can
// at worst get its own request failed.
class SplitVirtqueue {
public:
    static constexpr std::uint32_t kMaxSize = 32768;
    // Bounds copying of indirect tables: far above what a 1 MiB request needs.
    static constexpr std::uint32_t kMaxIndirectDescriptors = 4096;

    // Maps the rings; an error message if the configuration is unusable.
    // used_idx starts from what the ring says (the guest may have restarted).
    // With an inflight region (may be null), heads are recorded there as they
    // are taken and put; one left by a killed predecessor decides where the
    // avail side resumes, and its owed heads come back from take_owed().
    std::string attach(std::shared_ptr<const GuestMemory> memory, std::uint32_t size,
                       const VringAddresses& addresses, bool event_idx,
                       std::uint16_t last_avail_idx, InflightQueue* inflight = nullptr);
    // Re-translates the ring addresses after a memory table change.
    std::string remap(std::shared_ptr<const GuestMemory> memory);
    void detach();
    bool attached() const { return desc_ != nullptr; }

    PopResult pop();
    // Heads a killed predecessor took and never put, oldest first; each is
    // parsed again with pop_owed().  Empty after the first call.
    std::vector<std::uint16_t> take_owed() { return std::exchange(owed_, {}); }
    PopResult pop_owed(std::uint16_t head);
    // Puts a used element; returns whether the guest wants an interrupt now.
    bool push_used(std::uint16_t head, std::uint32_t len);

    std::uint16_t last_avail_idx() const { return last_avail_idx_; }
    const std::shared_ptr<const GuestMemory>& memory() const { return memory_; }

private:
    std::string map_rings(const GuestMemory& memory);
    bool append_buffer(const vring_desc& desc, DescriptorChain& chain, std::string& error) const;
    PopResult parse_chain(std::uint16_t head);
    std::uint16_t read_avail_idx() const;
    __virtio16* avail_event() const;
    std::uint16_t used_event() const;

    std::shared_ptr<const GuestMemory> memory_;
    std::uint32_t size_ = 0;
    VringAddresses addresses_;
    bool event_idx_ = false;
    vring_desc* desc_ = nullptr;
    vring_avail* avail_ = nullptr;
    vring_used* used_ = nullptr;

    // Avail side: only the popping thread touches these.
    std::uint16_t last_avail_idx_ = 0;
    std::vector<std::uint16_t> owed_;

    // Taken on the popping thread, put under used_mutex_.
    InflightQueue* inflight_ = nullptr;

    // Used side.
    std::mutex used_mutex_;
    std::uint16_t used_idx_ = 0;
    std::uint16_t signalled_used_ = 0;
    bool signalled_used_valid_ = false;
};

} // namespace vfsd::vhost
