#pragma once

#include "common/mapping.hpp"

#include <cstdint>
#include <memory>
#include <sys/uio.h>
#include <vector>

namespace vfsd::vhost {

// One mapped region of guest RAM.
struct GuestRegion {
    std::uint64_t guest_phys_addr = 0;
    std::uint64_t size = 0;
    std::uint64_t qemu_virt_addr = 0; // "userspace_addr": ring addresses are given in it
    std::shared_ptr<const Mapping> mapping;
    std::uint8_t* host = nullptr; // first byte of the region in our address space

    bool contains_gpa(std::uint64_t gpa) const { return gpa - guest_phys_addr < size; }
    bool contains_qva(std::uint64_t qva) const { return qva - qemu_virt_addr < size; }
};

// An immutable snapshot of the guest memory table.  Requests hold the snapshot
// they were translated with, so a table change never unmaps memory that a
// request in flight still points into.
class GuestMemory {
public:
    GuestMemory() = default;
    explicit GuestMemory(std::vector<GuestRegion> regions) : regions_(std::move(regions)) {}

    const std::vector<GuestRegion>& regions() const { return regions_; }

    // Host pointer for [qva, qva+len) if it lies inside one region.
    std::uint8_t* qva_to_host(std::uint64_t qva, std::uint64_t len) const;
    // Host pointer for [gpa, gpa+len) if it lies inside one region.
    std::uint8_t* gpa_to_host(std::uint64_t gpa, std::uint64_t len) const;
    // Appends host spans covering [gpa, gpa+len), split at region boundaries;
    // false (and nothing appended) if any byte is unmapped or it wraps.
    bool gpa_to_iovecs(std::uint64_t gpa, std::uint64_t len, std::vector<iovec>& out) const;
    // Copies guest bytes out (for data the guest could change while we use it).
    bool copy_from_gpa(std::uint64_t gpa, void* dst, std::uint64_t len) const;

private:
    std::vector<GuestRegion> regions_;
};

} // namespace vfsd::vhost
