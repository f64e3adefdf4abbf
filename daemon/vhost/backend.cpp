#include "vhost/backend.hpp"

#include "vhost/frontend_mapper.hpp"

#include <cstring>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace vfsd::vhost {

namespace {

constexpr std::uint64_t bit(unsigned n) {
    return std::uint64_t{1} << n;
}

std::shared_ptr<const Mapping> map_region(const MemoryRegionDesc& desc, int fd) {
    // Map from offset 0 so mmap_offset need not be page aligned.
    auto mapping = Mapping::map_shared(fd, desc.memory_size + desc.mmap_offset);
    return std::make_shared<const Mapping>(std::move(mapping));
}

bool valid_region(const MemoryRegionDesc& d) {
    return d.memory_size != 0 && d.memory_size + d.mmap_offset >= d.memory_size &&
           d.guest_phys_addr + (d.memory_size - 1) >= d.guest_phys_addr &&
           d.userspace_addr + (d.memory_size - 1) >= d.userspace_addr;
}

GuestRegion make_region(const MemoryRegionDesc& d, std::shared_ptr<const Mapping> mapping) {
    GuestRegion r;
    r.guest_phys_addr = d.guest_phys_addr;
    r.size = d.memory_size;
    r.qemu_virt_addr = d.userspace_addr;
    r.host = mapping->data() + d.mmap_offset;
    r.mapping = std::move(mapping);
    return r;
}

} // namespace

Backend::Backend(RequestHandler& handler, BackendOptions options)
    : handler_(handler), options_(options) {
    if (options_.max_queues == 0 || options_.max_queues > 256) {
        throw std::invalid_argument("queue count must be 1..256");
    }
    for (unsigned i = 0; i < options_.max_queues; ++i) {
        // The high-priority queue's requests (FORGET, INTERRUPT) never block.
        const unsigned threads = i == 0 ? 1 : options_.threads_per_queue;
        vrings_.push_back(std::make_unique<Vring>(i, handler_, threads));
    }
}

Backend::~Backend() {
    stop_all();
}

std::uint64_t Backend::offered_features() const {
    return bit(VIRTIO_F_VERSION_1) | bit(kFeatureProtocolFeatures) | bit(VIRTIO_RING_F_EVENT_IDX) |
           bit(VIRTIO_RING_F_INDIRECT_DESC);
}

std::uint64_t Backend::offered_protocol_features() const {
    std::uint64_t f = bit(kProtocolMq) | bit(kProtocolReplyAck) | bit(kProtocolSlaveReq) |
                      bit(kProtocolSlaveSendFd);
    if (options_.offer_mem_slots) {
        f |= bit(kProtocolConfigureMemSlots);
    }
    if (options_.offer_inflight) {
        f |= bit(kProtocolInflightShmfd);
    }
    return f;
}

bool Backend::event_idx_negotiated() const {
    return (acked_features_ & bit(VIRTIO_RING_F_EVENT_IDX)) != 0;
}

void Backend::serve(MessageChannel& channel) {
    try {
        while (auto msg = channel.receive()) {
            spdlog::debug("vhost-user: {} (size {}, {} fds)", request_name(msg->request()),
                          msg->header.size, msg->fds.size());
            auto ack = dispatch(*msg, channel);
            if (ack && msg->needs_reply()) {
                channel.send_u64_reply(msg->header, *ack);
            }
        }
    } catch (...) {
        stop_all();
        throw;
    }
    spdlog::info("vhost-user: frontend disconnected");
    stop_all();
}

Vring* Backend::vring_for(std::uint32_t index) {
    if (index >= vrings_.size()) {
        spdlog::error("vhost-user: queue index {} out of range (have {})", index, vrings_.size());
        return nullptr;
    }
    return vrings_[index].get();
}

std::optional<std::uint64_t> Backend::dispatch(Message& msg, MessageChannel& channel) {
    constexpr std::uint64_t kOk = 0;
    constexpr std::uint64_t kFailed = 1;
    switch (msg.request()) {
    case MessageType::GetFeatures:
        channel.send_u64_reply(msg.header, offered_features());
        return std::nullopt;
    case MessageType::SetFeatures: {
        auto v = msg.payload_as<std::uint64_t>();
        if (!v) {
            return kFailed;
        }
        if (*v & ~offered_features()) {
            spdlog::warn("vhost-user: frontend acked unoffered features {:#x}",
                         *v & ~offered_features());
        }
        acked_features_ = *v;
        spdlog::info("vhost-user: features {:#x} (event_idx {})", acked_features_,
                     event_idx_negotiated());
        return kOk;
    }
    case MessageType::GetProtocolFeatures:
        channel.send_u64_reply(msg.header, offered_protocol_features());
        return std::nullopt;
    case MessageType::SetProtocolFeatures: {
        auto v = msg.payload_as<std::uint64_t>();
        if (!v) {
            return kFailed;
        }
        acked_protocol_features_ = *v & offered_protocol_features();
        return kOk;
    }
    case MessageType::SetOwner:
        return kOk;
    case MessageType::ResetOwner:
        stop_all();
        acked_features_ = 0;
        memory_.reset();
        return kOk;
    case MessageType::GetQueueNum:
        channel.send_u64_reply(msg.header, vrings_.size());
        return std::nullopt;
    case MessageType::GetMaxMemSlots:
        channel.send_u64_reply(msg.header, kMaxMemSlots);
        return std::nullopt;
    case MessageType::SetMemTable:
        return set_mem_table(msg);
    case MessageType::AddMemReg:
        return add_mem_region(msg);
    case MessageType::RemMemReg:
        return remove_mem_region(msg);
    case MessageType::SetVringNum: {
        auto s = msg.payload_as<vhost_vring_state>();
        Vring* v = s ? vring_for(s->index) : nullptr;
        if (v == nullptr || s->num == 0 || s->num > SplitVirtqueue::kMaxSize ||
            (s->num & (s->num - 1)) != 0) {
            return kFailed;
        }
        v->set_size(s->num);
        return kOk;
    }
    case MessageType::SetVringBase: {
        auto s = msg.payload_as<vhost_vring_state>();
        Vring* v = s ? vring_for(s->index) : nullptr;
        if (v == nullptr || s->num > 0xffff) {
            return kFailed;
        }
        v->set_base(static_cast<std::uint16_t>(s->num));
        return kOk;
    }
    case MessageType::SetVringAddr: {
        auto a = msg.payload_as<vhost_vring_addr>();
        Vring* v = a ? vring_for(a->index) : nullptr;
        if (v == nullptr) {
            return kFailed;
        }
        v->set_addresses(VringAddresses{a->desc_user_addr, a->avail_user_addr, a->used_user_addr});
        return kOk;
    }
    case MessageType::GetVringBase: {
        auto s = msg.payload_as<vhost_vring_state>();
        vhost_vring_state reply{s ? s->index : 0, 0};
        if (Vring* v = s ? vring_for(s->index) : nullptr) {
            // A request waiting for a mapping reply would hold up the stop
            // while the frontend waits for us instead of reading the channel.
            if (options_.mapper != nullptr) {
                options_.mapper->cancel_wait();
            }
            reply.num = v->stop_and_release();
            spdlog::debug("queue {}: stopped at avail index {}", reply.index, reply.num);
        }
        channel.send_reply(msg.header,
                           std::span(reinterpret_cast<const std::uint8_t*>(&reply), sizeof(reply)));
        return std::nullopt;
    }
    case MessageType::SetVringKick:
    case MessageType::SetVringCall:
    case MessageType::SetVringErr:
        return set_vring_fd(msg);
    case MessageType::SetVringEnable: {
        auto s = msg.payload_as<vhost_vring_state>();
        Vring* v = s ? vring_for(s->index) : nullptr;
        if (v == nullptr) {
            return kFailed;
        }
        v->set_enabled(s->num != 0);
        return kOk;
    }
    case MessageType::SetSlaveReqFd: {
        UniqueFd fd = msg.take_fd();
        if (!fd) {
            return kFailed;
        }
        if (options_.mapper != nullptr) {
            const std::uint64_t needed = bit(kProtocolReplyAck) | bit(kProtocolSlaveSendFd);
            options_.mapper->attach(std::move(fd), (acked_protocol_features_ & needed) == needed);
        }
        return kOk;
    }
    case MessageType::GetInflightFd:
        get_inflight_fd(msg, channel);
        return std::nullopt;
    case MessageType::SetInflightFd:
        return set_inflight_fd(msg);
    default:
        spdlog::warn("vhost-user: unsupported request {} ({})", msg.header.request,
                     request_name(msg.request()));
        return kFailed;
    }
}

std::uint64_t Backend::set_mem_table(Message& msg) {
    if (msg.payload.size() < 8) {
        return 1;
    }
    MemoryTablePayload table{};
    std::memcpy(&table, msg.payload.data(), std::min(msg.payload.size(), sizeof(table)));
    if (table.nregions > kMaxMemTableRegions || table.nregions != msg.fds.size() ||
        msg.payload.size() < 8 + table.nregions * sizeof(MemoryRegionDesc)) {
        spdlog::error("vhost-user: bad memory table ({} regions, {} fds)", table.nregions,
                      msg.fds.size());
        return 1;
    }
    std::vector<GuestRegion> regions;
    for (std::uint32_t i = 0; i < table.nregions; ++i) {
        const auto& d = table.regions[i];
        if (!valid_region(d)) {
            spdlog::error("vhost-user: bad memory region {}", i);
            return 1;
        }
        try {
            regions.push_back(make_region(d, map_region(d, msg.fds[i].get())));
        } catch (const std::exception& e) {
            spdlog::error("vhost-user: {}", e.what());
            return 1;
        }
        spdlog::info("memory region: gpa {:#x} size {:#x} qva {:#x} offset {:#x}",
                     d.guest_phys_addr, d.memory_size, d.userspace_addr, d.mmap_offset);
    }
    install_memory(std::move(regions));
    return 0;
}

std::uint64_t Backend::add_mem_region(Message& msg) {
    auto p = msg.payload_as<SingleMemoryRegionPayload>();
    if (!p || msg.fds.size() != 1 || !valid_region(p->region)) {
        spdlog::error("vhost-user: bad ADD_MEM_REG");
        return 1;
    }
    std::vector<GuestRegion> regions = memory_ ? memory_->regions() : std::vector<GuestRegion>{};
    if (regions.size() >= kMaxMemSlots) {
        spdlog::error("vhost-user: too many memory regions");
        return 1;
    }
    try {
        regions.push_back(make_region(p->region, map_region(p->region, msg.fds[0].get())));
    } catch (const std::exception& e) {
        spdlog::error("vhost-user: {}", e.what());
        return 1;
    }
    spdlog::info("memory region added: gpa {:#x} size {:#x} qva {:#x} offset {:#x}",
                 p->region.guest_phys_addr, p->region.memory_size, p->region.userspace_addr,
                 p->region.mmap_offset);
    install_memory(std::move(regions));
    return 0;
}

std::uint64_t Backend::remove_mem_region(Message& msg) {
    auto p = msg.payload_as<SingleMemoryRegionPayload>();
    if (!p || !memory_) {
        return 1;
    }
    std::vector<GuestRegion> regions = memory_->regions();
    const auto before = regions.size();
    std::erase_if(regions, [&](const GuestRegion& r) {
        return r.guest_phys_addr == p->region.guest_phys_addr && r.size == p->region.memory_size &&
               r.qemu_virt_addr == p->region.userspace_addr;
    });
    if (regions.size() == before) {
        spdlog::error("vhost-user: REM_MEM_REG of unknown region gpa {:#x}",
                      p->region.guest_phys_addr);
        return 1;
    }
    install_memory(std::move(regions));
    return 0;
}

void Backend::install_memory(std::vector<GuestRegion> regions) {
    memory_ = std::make_shared<const GuestMemory>(std::move(regions));
    for (auto& v : vrings_) {
        v->remap(memory_);
    }
}

std::uint64_t Backend::set_vring_fd(Message& msg) {
    auto v64 = msg.payload_as<std::uint64_t>();
    if (!v64) {
        return 1;
    }
    const auto index = static_cast<std::uint32_t>(*v64 & kVringIndexMask);
    const bool no_fd = (*v64 & kVringNoFdFlag) != 0;
    Vring* v = vring_for(index);
    if (v == nullptr) {
        return 1;
    }
    UniqueFd fd = no_fd ? UniqueFd() : msg.take_fd();
    if (!no_fd && !fd) {
        spdlog::error("vhost-user: {} without fd", request_name(msg.request()));
        return 1;
    }
    switch (msg.request()) {
    case MessageType::SetVringKick:
        if (no_fd) {
            spdlog::error("queue {}: polling mode (no kick fd) is not supported", index);
            return 1;
        }
        if (v->running()) {
            v->stop();
        }
        v->set_kick(std::move(fd));
        // Without protocol features rings start enabled; with them, SET_VRING_ENABLE decides.
        if (!(acked_features_ & bit(kFeatureProtocolFeatures))) {
            v->set_enabled(true);
        }
        maybe_start(index);
        return 0;
    case MessageType::SetVringCall:
        v->set_call(std::move(fd));
        return 0;
    default:
        v->set_err(std::move(fd));
        return 0;
    }
}

// The frontend asks once per device reset; it keeps the buffer and hands it
// to every later backend with SET_INFLIGHT_FD.
void Backend::get_inflight_fd(Message& msg, MessageChannel& channel) {
    auto p = msg.payload_as<InflightPayload>();
    InflightPayload reply{};
    if (p && p->num_queues > 0 && p->num_queues <= vrings_.size() && p->queue_size > 0 &&
        p->queue_size <= SplitVirtqueue::kMaxSize) {
        try {
            auto buffer = InflightBuffer::create(p->num_queues, p->queue_size);
            reply = {buffer->size(), 0, p->num_queues, p->queue_size};
            channel.send_reply(
                msg.header, std::span(reinterpret_cast<const std::uint8_t*>(&reply), sizeof(reply)),
                buffer->fd());
            return;
        } catch (const std::exception& e) {
            spdlog::error("vhost-user: GET_INFLIGHT_FD: {}", e.what());
        }
    } else {
        spdlog::error("vhost-user: GET_INFLIGHT_FD for {} queues of {}", p ? p->num_queues : 0,
                      p ? p->queue_size : 0);
    }
    // mmap_size 0: no buffer; the frontend goes on without one.
    channel.send_reply(msg.header,
                       std::span(reinterpret_cast<const std::uint8_t*>(&reply), sizeof(reply)));
}

std::uint64_t Backend::set_inflight_fd(Message& msg) {
    auto p = msg.payload_as<InflightPayload>();
    UniqueFd fd = msg.take_fd();
    if (!p || !fd || p->num_queues == 0 || p->num_queues > vrings_.size()) {
        spdlog::error("vhost-user: bad SET_INFLIGHT_FD");
        return 1;
    }
    for (const auto& v : vrings_) {
        if (v->running()) {
            spdlog::error("vhost-user: SET_INFLIGHT_FD while queues run");
            return 1;
        }
    }
    try {
        inflight_ = InflightBuffer::adopt(std::move(fd), p->mmap_size, p->mmap_offset,
                                          p->num_queues, p->queue_size);
    } catch (const std::exception& e) {
        spdlog::error("vhost-user: SET_INFLIGHT_FD: {}", e.what());
        return 1;
    }
    for (unsigned i = 0; i < vrings_.size(); ++i) {
        vrings_[i]->set_inflight(inflight_->queue(i));
    }
    spdlog::info("vhost-user: inflight buffer for {} queues of {}", p->num_queues, p->queue_size);
    return 0;
}

void Backend::maybe_start(std::uint32_t index) {
    Vring* v = vrings_[index].get();
    if (!v->ready_to_start()) {
        return;
    }
    if (!memory_) {
        spdlog::error("queue {}: kick before any memory table", index);
        return;
    }
    v->start(memory_, event_idx_negotiated());
}

void Backend::stop_all() {
    if (options_.mapper != nullptr) {
        options_.mapper->detach();
    }
    for (auto& v : vrings_) {
        v->stop();
    }
}

} // namespace vfsd::vhost
