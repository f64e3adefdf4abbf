#include "vhost/inflight.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <sys/mman.h>
#include <system_error>
#include <unistd.h>

namespace vfsd::vhost {

namespace {

constexpr std::uint64_t kRegionAlignment = 64;

template <typename T> void store_release(T& field, T value) {
    std::atomic_ref<T>(field).store(value, std::memory_order_release);
}

template <typename T> T load_acquire(T& field) {
    return std::atomic_ref<T>(field).load(std::memory_order_acquire);
}

} // namespace

bool InflightQueue::initialised() const {
    return header_->version == kInflightVersion && header_->desc_num == size_;
}

void InflightQueue::reset() {
    for (std::uint16_t i = 0; i < size_; ++i) {
        desc(i) = InflightDescriptor{};
    }
    header_->features = 0;
    header_->desc_num = size_;
    header_->last_batch_head = 0;
    header_->used_idx = 0;
    counter_ = 0;
    store_release(header_->version, kInflightVersion);
}

InflightDescriptor& InflightQueue::desc(std::uint16_t head) const {
    auto* table = reinterpret_cast<InflightDescriptor*>(header_ + 1);
    return table[head];
}

void InflightQueue::take(std::uint16_t head) {
    InflightDescriptor& d = desc(head);
    d.counter = ++counter_;
    // The flag last: a head is owed only once its place in the order is known.
    store_release(d.inflight, std::uint8_t{1});
}

void InflightQueue::begin_used(std::uint16_t head) {
    store_release(header_->last_batch_head, head);
}

void InflightQueue::end_used(std::uint16_t head, std::uint16_t used_idx) {
    store_release(desc(head).inflight, std::uint8_t{0});
    store_release(header_->used_idx, used_idx);
}

std::vector<std::uint16_t> InflightQueue::recover(std::uint16_t ring_used_idx) {
    // The ring moved past what the buffer recorded: the last put reached the
    // ring but not end_used(); that head is no longer owed.
    if (load_acquire(header_->used_idx) != ring_used_idx) {
        const std::uint16_t last = header_->last_batch_head;
        if (last < size_) {
            store_release(desc(last).inflight, std::uint8_t{0});
        }
        store_release(header_->used_idx, ring_used_idx);
    }
    std::vector<std::pair<std::uint64_t, std::uint16_t>> owed;
    std::uint64_t highest = 0;
    for (std::uint16_t i = 0; i < size_; ++i) {
        const InflightDescriptor& d = desc(i);
        if (d.inflight == 1) {
            owed.emplace_back(d.counter, i);
        }
        highest = std::max(highest, d.counter);
    }
    counter_ = highest;
    std::sort(owed.begin(), owed.end());
    std::vector<std::uint16_t> heads;
    heads.reserve(owed.size());
    for (const auto& [counter, head] : owed) {
        heads.push_back(head);
    }
    return heads;
}

std::uint64_t InflightBuffer::queue_region_size(std::uint16_t queue_size) {
    const std::uint64_t bytes =
        sizeof(InflightQueueHeader) + std::uint64_t{sizeof(InflightDescriptor)} * queue_size;
    return (bytes + kRegionAlignment - 1) / kRegionAlignment * kRegionAlignment;
}

std::shared_ptr<InflightBuffer> InflightBuffer::create(std::uint16_t num_queues,
                                                       std::uint16_t queue_size) {
    if (num_queues == 0 || queue_size == 0) {
        throw std::invalid_argument("inflight buffer for no queue");
    }
    const std::uint64_t size = queue_region_size(queue_size) * num_queues;
    UniqueFd fd(::memfd_create("vfsd-inflight", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "memfd_create (inflight)");
    }
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
        throw std::system_error(errno, std::generic_category(), "ftruncate (inflight)");
    }
    auto mapping = Mapping::map_shared(fd.get(), size);
    auto buffer = std::make_shared<InflightBuffer>(std::move(fd), std::move(mapping), 0, num_queues,
                                                   queue_size);
    for (unsigned i = 0; i < num_queues; ++i) {
        buffer->queue(i)->reset();
    }
    return buffer;
}

std::shared_ptr<InflightBuffer> InflightBuffer::adopt(UniqueFd fd, std::uint64_t mmap_size,
                                                      std::uint64_t mmap_offset,
                                                      std::uint16_t num_queues,
                                                      std::uint16_t queue_size) {
    const std::uint64_t needed = queue_region_size(queue_size) * num_queues;
    if (num_queues == 0 || queue_size == 0 || mmap_size < needed ||
        mmap_offset > UINT64_MAX - mmap_size) {
        throw std::invalid_argument("inflight buffer too small for its queues");
    }
    // Map from offset 0 so mmap_offset need not be page aligned.
    auto mapping = Mapping::map_shared(fd.get(), mmap_offset + mmap_size);
    return std::make_shared<InflightBuffer>(std::move(fd), std::move(mapping), mmap_offset,
                                            num_queues, queue_size);
}

InflightBuffer::InflightBuffer(UniqueFd fd, Mapping mapping, std::uint64_t offset,
                               std::uint16_t num_queues, std::uint16_t queue_size)
    : fd_(std::move(fd)), mapping_(std::move(mapping)), offset_(offset), num_queues_(num_queues),
      queue_size_(queue_size) {
    const std::uint64_t stride = queue_region_size(queue_size);
    queues_.reserve(num_queues);
    for (unsigned i = 0; i < num_queues; ++i) {
        auto* header =
            reinterpret_cast<InflightQueueHeader*>(mapping_.data() + offset_ + stride * i);
        queues_.emplace_back(header, queue_size);
    }
}

InflightQueue* InflightBuffer::queue(unsigned index) {
    return index < queues_.size() ? &queues_[index] : nullptr;
}

} // namespace vfsd::vhost
