#pragma once

#include "common/dax_mapper.hpp"
#include "common/event_fd.hpp"
#include "common/unique_fd.hpp"
#include "vhost/protocol.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace vfsd::vhost {

// DaxMapper over the vhost-user backend-to-frontend channel (the fd from
// SET_SLAVE_REQ_FD): SHMEM_MAP with the file's fd, SHMEM_UNMAP, each waiting
// for the frontend's u64 reply.  One request is in flight at a time.
class FrontendMapper final : public DaxMapper {
public:
    explicit FrontendMapper(std::chrono::milliseconds reply_timeout = std::chrono::seconds(10));

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

    std::chrono::milliseconds reply_timeout_;
    EventFd cancel_;
    std::atomic<bool> available_{false};
    std::mutex mutex_; // guards everything below: one request in flight
    UniqueFd channel_;
    unsigned stale_replies_ = 0; // replies to requests we gave up on
};

} // namespace vfsd::vhost
