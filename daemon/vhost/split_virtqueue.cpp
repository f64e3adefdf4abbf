#include "vhost/split_virtqueue.hpp"

#include <atomic>
#include <cstring>
#include <endian.h>
#include <fmt/format.h>

namespace vfsd::vhost {

namespace {

std::uint16_t load_acquire(const __virtio16* p) {
    return le16toh(std::atomic_ref<std::uint16_t>(*const_cast<std::uint16_t*>(p))
                       .load(std::memory_order_acquire));
}

void store_release(__virtio16* p, std::uint16_t v) {
    std::atomic_ref<std::uint16_t>(*p).store(htole16(v), std::memory_order_release);
}

bool is_aligned(const void* p, std::size_t alignment) {
    return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

} // namespace

std::string SplitVirtqueue::attach(std::shared_ptr<const GuestMemory> memory, std::uint32_t size,
                                   const VringAddresses& addresses, bool event_idx,
                                   std::uint16_t last_avail_idx, InflightQueue* inflight) {
    detach();
    if (!memory) {
        return "no memory table";
    }
    if (size == 0 || size > kMaxSize || (size & (size - 1)) != 0) {
        return fmt::format("bad queue size {}", size);
    }
    size_ = size;
    addresses_ = addresses;
    event_idx_ = event_idx;
    if (auto err = map_rings(*memory); !err.empty()) {
        detach();
        return err;
    }
    memory_ = std::move(memory);
    last_avail_idx_ = last_avail_idx;
    std::lock_guard lock(used_mutex_);
    used_idx_ = load_acquire(&used_->idx);
    signalled_used_valid_ = false;
    owed_.clear();
    inflight_ = inflight != nullptr && inflight->size() >= size_ ? inflight : nullptr;
    if (inflight_ != nullptr) {
        if (!inflight_->initialised()) {
            inflight_->reset();
        }
        owed_ = inflight_->recover(used_idx_);
        if (owed_.size() > size_) {
            owed_.clear();
            inflight_->reset();
            return "inflight region owes more heads than the ring holds";
        }
        // Heads taken so far = heads put + heads still owed; the frontend
        // cannot know the last term when its backend was killed.
        if (!owed_.empty()) {
            last_avail_idx_ = static_cast<std::uint16_t>(used_idx_ + owed_.size());
        }
    }
    return {};
}

PopResult SplitVirtqueue::pop_owed(std::uint16_t head) {
    if (!attached() || head >= size_) {
        PopResult result;
        result.status = PopResult::Status::Broken;
        result.error = fmt::format("owed head {} not on a ring of {}", head, size_);
        return result;
    }
    return parse_chain(head);
}

std::string SplitVirtqueue::remap(std::shared_ptr<const GuestMemory> memory) {
    std::lock_guard lock(used_mutex_);
    if (!memory) {
        return "no memory table";
    }
    if (auto err = map_rings(*memory); !err.empty()) {
        return err;
    }
    memory_ = std::move(memory);
    return {};
}

std::string SplitVirtqueue::map_rings(const GuestMemory& memory) {
    const std::uint64_t desc_bytes = std::uint64_t{sizeof(vring_desc)} * size_;
    // flags, idx, ring[size], used_event
    const std::uint64_t avail_bytes = 4 + std::uint64_t{2} * size_ + 2;
    // flags, idx, ring[size], avail_event
    const std::uint64_t used_bytes = 4 + std::uint64_t{sizeof(vring_used_elem)} * size_ + 2;
    auto* desc = memory.qva_to_host(addresses_.desc, desc_bytes);
    auto* avail = memory.qva_to_host(addresses_.avail, avail_bytes);
    auto* used = memory.qva_to_host(addresses_.used, used_bytes);
    if (desc == nullptr || avail == nullptr || used == nullptr) {
        return fmt::format("ring addresses desc={:#x} avail={:#x} used={:#x} (size {}) not in "
                           "guest memory",
                           addresses_.desc, addresses_.avail, addresses_.used, size_);
    }
    if (!is_aligned(desc, 16) || !is_aligned(avail, 2) || !is_aligned(used, 4)) {
        return "misaligned ring";
    }
    desc_ = reinterpret_cast<vring_desc*>(desc);
    avail_ = reinterpret_cast<vring_avail*>(avail);
    used_ = reinterpret_cast<vring_used*>(used);
    return {};
}

void SplitVirtqueue::detach() {
    std::lock_guard lock(used_mutex_);
    desc_ = nullptr;
    avail_ = nullptr;
    used_ = nullptr;
    inflight_ = nullptr;
    memory_.reset();
}

std::uint16_t SplitVirtqueue::read_avail_idx() const {
    return load_acquire(&avail_->idx);
}

// The device's "kick me at this avail index" field sits after the used ring;
// the driver's "interrupt me at this used index" after the avail ring.
__virtio16* SplitVirtqueue::avail_event() const {
    return reinterpret_cast<__virtio16*>(&used_->ring[size_]);
}

std::uint16_t SplitVirtqueue::used_event() const {
    return load_acquire(&avail_->ring[size_]);
}

PopResult SplitVirtqueue::pop() {
    PopResult result;
    if (!attached()) {
        result.status = PopResult::Status::Broken;
        result.error = "queue not attached";
        return result;
    }
    std::uint16_t avail_idx = read_avail_idx();
    if (avail_idx == last_avail_idx_ && event_idx_) {
        // Ask for a kick on the next buffer, then look again: the guest may have
        // added one before it could see the new avail_event.
        store_release(avail_event(), last_avail_idx_);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        avail_idx = read_avail_idx();
    }
    const std::uint16_t pending = avail_idx - last_avail_idx_;
    if (pending == 0) {
        return result;
    }
    if (pending > size_) {
        result.status = PopResult::Status::Broken;
        result.error = fmt::format("avail idx {} is {} ahead of {} on a ring of {}", avail_idx,
                                   pending, last_avail_idx_, size_);
        return result;
    }
    const std::uint16_t slot = last_avail_idx_ % size_;
    const std::uint16_t head =
        le16toh(std::atomic_ref<std::uint16_t>(avail_->ring[slot]).load(std::memory_order_relaxed));
    // No kick is asked for here: the thread popping looks at the ring again
    // before it sleeps, and asks then (above).  A kick for every buffer the
    // guest adds meanwhile would cost it an exit, and this thread a wake-up
    // for a buffer it takes anyway.
    ++last_avail_idx_;
    if (head >= size_) {
        result.status = PopResult::Status::Broken;
        result.error = fmt::format("head index {} out of range {}", head, size_);
        return result;
    }
    if (inflight_ != nullptr) {
        inflight_->take(head);
    }
    return parse_chain(head);
}

bool SplitVirtqueue::append_buffer(const vring_desc& desc, DescriptorChain& chain,
                                   std::string& error) const {
    const std::uint64_t addr = le64toh(desc.addr);
    const std::uint32_t len = le32toh(desc.len);
    const bool writable = (le16toh(desc.flags) & VRING_DESC_F_WRITE) != 0;
    if (!writable && !chain.writable.empty()) {
        error = "device-readable descriptor after a device-writable one";
        return false;
    }
    if (len == 0) {
        return true;
    }
    auto& spans = writable ? chain.writable : chain.readable;
    const bool cut = writable ? chain.writable_cut : chain.readable_cut;
    if (!cut && memory_->gpa_to_iovecs(addr, len, spans)) {
        return true;
    }
    // The first buffer of each direction holds the FUSE header and must be
    // reachable; a later one outside guest RAM is reported, not fatal, so the
    // layer above can fail just that request.
    if (spans.empty()) {
        error = fmt::format("buffer {:#x}+{} not in guest memory", addr, len);
        return false;
    }
    (writable ? chain.writable_cut : chain.readable_cut) = true;
    chain.unreachable_bytes += len;
    return true;
}

PopResult SplitVirtqueue::parse_chain(std::uint16_t head) {
    PopResult result;
    result.chain.head = head;
    auto bad = [&](std::string why) {
        result.status = PopResult::Status::BadChain;
        result.error = fmt::format("chain {}: {}", head, why);
        result.chain.readable.clear();
        result.chain.writable.clear();
        return std::move(result);
    };

    std::vector<vring_desc> indirect;
    std::uint32_t table_size = size_;
    bool in_indirect = false;
    std::uint32_t index = head;
    std::uint32_t visited = 0;
    std::string error;
    for (;;) {
        if (index >= table_size) {
            return bad(fmt::format("descriptor index {} out of range {}", index, table_size));
        }
        // A chain visits each descriptor at most once; more means a loop.
        if (++visited > table_size) {
            return bad("descriptor loop or chain longer than its table");
        }
        vring_desc desc;
        if (in_indirect) {
            desc = indirect[index];
        } else {
            std::memcpy(&desc, &desc_[index], sizeof(desc));
        }
        const std::uint16_t flags = le16toh(desc.flags);
        if (flags & VRING_DESC_F_INDIRECT) {
            if (in_indirect) {
                return bad("nested indirect descriptor");
            }
            if (flags & VRING_DESC_F_NEXT) {
                return bad("indirect descriptor with NEXT");
            }
            const std::uint32_t len = le32toh(desc.len);
            if (len == 0 || len % sizeof(vring_desc) != 0 ||
                len / sizeof(vring_desc) > kMaxIndirectDescriptors) {
                return bad(fmt::format("indirect table length {}", len));
            }
            // Copied so the guest cannot change entries between check and use.
            indirect.resize(len / sizeof(vring_desc));
            if (!memory_->copy_from_gpa(le64toh(desc.addr), indirect.data(), len)) {
                return bad("indirect table not in guest memory");
            }
            in_indirect = true;
            table_size = static_cast<std::uint32_t>(indirect.size());
            index = 0;
            visited = 0;
            continue;
        }
        if (!append_buffer(desc, result.chain, error)) {
            return bad(error);
        }
        if (!(flags & VRING_DESC_F_NEXT)) {
            break;
        }
        index = le16toh(desc.next);
    }
    result.status = PopResult::Status::Chain;
    return result;
}

bool SplitVirtqueue::push_used(std::uint16_t head, std::uint32_t len) {
    std::lock_guard lock(used_mutex_);
    if (used_ == nullptr) {
        return false;
    }
    if (inflight_ != nullptr) {
        inflight_->begin_used(head);
    }
    vring_used_elem& elem = used_->ring[used_idx_ % size_];
    elem.id = htole32(head);
    elem.len = htole32(len);
    ++used_idx_;
    store_release(&used_->idx, used_idx_);
    if (inflight_ != nullptr) {
        inflight_->end_used(head, used_idx_);
    }
    // The guest's used_event/flags must be read after it can see the new idx.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!event_idx_) {
        return (load_acquire(&avail_->flags) & VRING_AVAIL_F_NO_INTERRUPT) == 0;
    }
    const std::uint16_t old = signalled_used_;
    const bool valid = signalled_used_valid_;
    signalled_used_ = used_idx_;
    signalled_used_valid_ = true;
    if (!valid) {
        return true;
    }
    return vring_need_event(used_event(), used_idx_, old);
}

} // namespace vfsd::vhost
