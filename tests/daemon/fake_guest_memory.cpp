#include "fake_guest_memory.hpp"

#include <cstring>

namespace vfsd::test {

FakeGuest::FakeGuest(std::uint32_t size) : queue_size(size) {
    auto mapping = std::make_shared<const Mapping>(Mapping::anonymous(kSize));
    vhost::GuestRegion region;
    region.guest_phys_addr = kGpaBase;
    region.size = kSize;
    region.qemu_virt_addr = kQvaBase;
    region.host = mapping->data();
    region.mapping = mapping;
    memory = std::make_shared<const vhost::GuestMemory>(std::vector{region});
    desc_gpa_ = kGpaBase;
    avail_gpa_ = desc_gpa_ + 16ull * size;
    used_gpa_ = (avail_gpa_ + 6 + 2ull * size + 3) & ~3ull;
    addresses = {desc_gpa_ - kGpaBase + kQvaBase, avail_gpa_ - kGpaBase + kQvaBase,
                 used_gpa_ - kGpaBase + kQvaBase};
}

std::uint8_t* FakeGuest::host(std::uint64_t gpa) const {
    return memory->regions()[0].host + (gpa - kGpaBase);
}

vring_desc* FakeGuest::desc_table() const {
    return reinterpret_cast<vring_desc*>(host(desc_gpa_));
}

void FakeGuest::set_desc(std::uint16_t i, std::uint64_t gpa, std::uint32_t len, std::uint16_t flags,
                         std::uint16_t next) {
    desc_table()[i] = vring_desc{gpa, len, flags, next};
}

void FakeGuest::post(std::uint16_t head) {
    auto* avail = reinterpret_cast<vring_avail*>(host(avail_gpa_));
    avail->ring[avail_idx_ % queue_size] = head;
    avail->idx = ++avail_idx_;
}

void FakeGuest::set_avail_idx(std::uint16_t idx) {
    avail_idx_ = idx;
    reinterpret_cast<vring_avail*>(host(avail_gpa_))->idx = idx;
}

void FakeGuest::set_used_event(std::uint16_t idx) {
    reinterpret_cast<vring_avail*>(host(avail_gpa_))->ring[queue_size] = idx;
}

std::uint16_t FakeGuest::used_idx() const {
    return reinterpret_cast<vring_used*>(host(used_gpa_))->idx;
}

vring_used_elem FakeGuest::used_elem(std::uint16_t i) const {
    return reinterpret_cast<vring_used*>(host(used_gpa_))->ring[i % queue_size];
}

std::uint16_t FakeGuest::avail_event() const {
    auto* used = reinterpret_cast<vring_used*>(host(used_gpa_));
    std::uint16_t v;
    std::memcpy(&v, &used->ring[queue_size], sizeof(v));
    return v;
}

} // namespace vfsd::test
