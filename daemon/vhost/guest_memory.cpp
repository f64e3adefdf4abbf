#include "vhost/guest_memory.hpp"

#include <cstring>

namespace vfsd::vhost {

namespace {

bool range_wraps(std::uint64_t addr, std::uint64_t len) {
    return len != 0 && addr + (len - 1) < addr;
}

} // namespace

std::uint8_t* GuestMemory::qva_to_host(std::uint64_t qva, std::uint64_t len) const {
    if (range_wraps(qva, len)) {
        return nullptr;
    }
    for (const auto& r : regions_) {
        if (r.contains_qva(qva) && len <= r.size - (qva - r.qemu_virt_addr)) {
            return r.host + (qva - r.qemu_virt_addr);
        }
    }
    return nullptr;
}

std::uint8_t* GuestMemory::gpa_to_host(std::uint64_t gpa, std::uint64_t len) const {
    if (range_wraps(gpa, len)) {
        return nullptr;
    }
    for (const auto& r : regions_) {
        if (r.contains_gpa(gpa) && len <= r.size - (gpa - r.guest_phys_addr)) {
            return r.host + (gpa - r.guest_phys_addr);
        }
    }
    return nullptr;
}

bool GuestMemory::gpa_to_iovecs(std::uint64_t gpa, std::uint64_t len,
                                std::vector<iovec>& out) const {
    if (range_wraps(gpa, len)) {
        return false;
    }
    const std::size_t start = out.size();
    // Each step consumes at least one byte of a distinct region, so the loop
    // ends after at most regions_.size() iterations.
    for (std::size_t steps = 0; len > 0; ++steps) {
        const GuestRegion* hit = nullptr;
        for (const auto& r : regions_) {
            if (r.contains_gpa(gpa)) {
                hit = &r;
                break;
            }
        }
        if (hit == nullptr || steps >= regions_.size()) {
            out.resize(start);
            return false;
        }
        const std::uint64_t offset = gpa - hit->guest_phys_addr;
        const std::uint64_t chunk = std::min(len, hit->size - offset);
        out.push_back(iovec{hit->host + offset, static_cast<std::size_t>(chunk)});
        gpa += chunk;
        len -= chunk;
    }
    return true;
}

bool GuestMemory::copy_from_gpa(std::uint64_t gpa, void* dst, std::uint64_t len) const {
    std::vector<iovec> spans;
    if (!gpa_to_iovecs(gpa, len, spans)) {
        return false;
    }
    auto* p = static_cast<std::uint8_t*>(dst);
    for (const auto& s : spans) {
        std::memcpy(p, s.iov_base, s.iov_len);
        p += s.iov_len;
    }
    return true;
}

} // namespace vfsd::vhost
