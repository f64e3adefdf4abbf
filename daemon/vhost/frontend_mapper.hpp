#pragma once

#include "common/dax_mapper.hpp"
#include "common/event_fd.hpp"
#include "common/unique_fd.hpp"
#include "vhost/protocol.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace vfsd::vhost {

// DaxMapper over the vhost-user backend-to-frontend channel (the fd from
// SET_SLAVE_REQ_FD): SHMEM_MAP with the file's fd, SHMEM_UNMAP, each waiting
// for the frontend's u64 reply.  One request is in flight at a time.
//
// It also maps one whole shared memory region the backend provides (the
// version table) as soon as the channel is attached.
class FrontendMapper final : public DaxMapper {
public:
    // A memory object mapped over shared memory region shmid from its start.
    struct SharedRegion {
        std::uint8_t shmid = 0;
        int fd = -1; // borrowed: must outlive the mapper's connection
        std::uint64_t size = 0;
        // Called once per attach from a helper thread: 0 or the errno.
        std::function<void(int)> mapped;
    };

    explicit FrontendMapper(std::chrono::milliseconds reply_timeout = std::chrono::seconds(10));
    ~FrontendMapper() override;

    // Maps region (read-only for the guest) at every attach.  The request
    // goes out from a helper thread: attach() runs on the front-end message
    // thread, and the frontend serves the backend channel only from its main
    // loop, which may be blocked waiting for a front-end reply.
    void share_on_attach(SharedRegion region);

    // The channel, once the frontend has sent it and the protocol features
    // needed for mapping (REPLY_ACK, SLAVE_SEND_FD) are acked.
    void attach(UniqueFd channel, bool can_map);
    void detach();
    // Wakes a request waiting for its reply, which then fails with EIO; the
    // late reply is skipped before the next one.  Called before queues stop,
    // since the frontend may be waiting for that stop and not read the channel.
    void cancel_wait();

    bool available() const override { return available_.load(); }
    int map(int fd, std::uint64_t file_offset, std::uint64_t window_offset, std::uint64_t length,
            bool writable) override;
    int unmap(std::uint64_t window_offset, std::uint64_t length) override;

private:
    // Sends one request and returns 0 or an errno from the frontend's reply.
    int transact(BackendRequest type, const ShmemMapPayload& payload, int fd);
    int send_request(BackendRequest type, const ShmemMapPayload& payload, int fd);
    // Reads replies until the one for this request; 0, errno, or -1 (timed out).
    int await_reply(BackendRequest type);
    void fail_channel(const char* why);
    void join_sharer();

    std::optional<SharedRegion> shared_;
    std::thread sharer_; // maps shared_ after an attach; joined by detach

    std::chrono::milliseconds reply_timeout_;
    EventFd cancel_;
    std::atomic<bool> available_{false};
    std::mutex mutex_; // guards everything below: one request in flight
    UniqueFd channel_;
    unsigned stale_replies_ = 0; // replies to requests we gave up on
};

} // namespace vfsd::vhost
