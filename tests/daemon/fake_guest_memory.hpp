#pragma once

#include "vhost/guest_memory.hpp"
#include "vhost/split_virtqueue.hpp"

#include <cstdint>
#include <linux/virtio_ring.h>
#include <memory>

namespace vfsd::test {

// Fake guest RAM (one anonymous mapping posing as a QEMU region) with a
// split ring laid out at its start, and helpers to play the driver.
class FakeGuest {
public:
    static constexpr std::uint64_t kGpaBase = 0x100000;
    static constexpr std::uint64_t kQvaBase = 0x7f0000000000;
    static constexpr std::uint64_t kSize = 1 << 20;
    static constexpr std::uint64_t kDataGpa = kGpaBase + 0x80000; // scratch buffers

    explicit FakeGuest(std::uint32_t queue_size);

    std::shared_ptr<const vhost::GuestMemory> memory;
    vhost::VringAddresses addresses; // as QEMU virtual addresses
    std::uint32_t queue_size;

    std::uint8_t* host(std::uint64_t gpa) const;
    vring_desc* desc_table() const;
    void set_desc(std::uint16_t i, std::uint64_t gpa, std::uint32_t len, std::uint16_t flags,
                  std::uint16_t next = 0);
    void post(std::uint16_t head);
    void set_avail_idx(std::uint16_t idx);
    void set_used_event(std::uint16_t idx);
    std::uint16_t used_idx() const;
    vring_used_elem used_elem(std::uint16_t i) const;
    std::uint16_t avail_event() const;

private:
    std::uint64_t desc_gpa_, avail_gpa_, used_gpa_;
    std::uint16_t avail_idx_ = 0;
};

} // namespace vfsd::test
