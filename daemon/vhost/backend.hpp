#pragma once

#include "common/unique_fd.hpp"
#include "vhost/guest_memory.hpp"
#include "vhost/inflight.hpp"
#include "vhost/message.hpp"
#include "vhost/message_channel.hpp"
#include "vhost/request.hpp"
#include "vhost/vring.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace vfsd::vhost {

class FrontendMapper;

struct BackendOptions {
    unsigned max_queues = 17; // hiprio + 16 request queues
    bool offer_mem_slots = true;
    // Gets the backend-to-frontend channel for DAX mappings; may be null.
    FrontendMapper* mapper = nullptr;
    // Keep an inflight buffer with the frontend so that a restarted backend
    // can run the requests this one leaves unfinished.
    bool offer_inflight = true;
    // Threads that take turns serving each request queue (Vring).
    unsigned threads_per_queue = 1;
};

// The vhost-user slave side of one virtio device connection: answers the
// frontend's messages, keeps the guest memory table and the vrings, and
// hands every request popped from any queue to the RequestHandler.
class Backend {
public:
    static constexpr std::uint32_t kMaxMemSlots = 32;

    Backend(RequestHandler& handler, BackendOptions options);
    ~Backend();

    // Serves one connection until the frontend disconnects (returns normally)
    // or breaks the protocol (throws).  All queues are stopped on return.
    void serve(MessageChannel& channel);

    // Feature words, public for tests and logging.
    std::uint64_t offered_features() const;
    std::uint64_t offered_protocol_features() const;

private:
    // Returns the ack value for NEED_REPLY (0 = success) unless it replied itself.
    std::optional<std::uint64_t> dispatch(Message& msg, MessageChannel& channel);
    Vring* vring_for(std::uint32_t index);
    std::uint64_t set_mem_table(Message& msg);
    std::uint64_t add_mem_region(Message& msg);
    std::uint64_t remove_mem_region(Message& msg);
    void install_memory(std::vector<GuestRegion> regions);
    std::uint64_t set_vring_fd(Message& msg);
    void get_inflight_fd(Message& msg, MessageChannel& channel);
    std::uint64_t set_inflight_fd(Message& msg);
    void maybe_start(std::uint32_t index);
    void stop_all();
    bool event_idx_negotiated() const;

    RequestHandler& handler_;
    BackendOptions options_;
    std::uint64_t acked_features_ = 0;
    std::uint64_t acked_protocol_features_ = 0;
    std::shared_ptr<const GuestMemory> memory_;
    // Before vrings_, so it outlives the vrings that point into it.
    std::shared_ptr<InflightBuffer> inflight_;
    std::vector<std::unique_ptr<Vring>> vrings_;
};

} // namespace vfsd::vhost
