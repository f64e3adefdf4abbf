#pragma once

#include "common/unique_fd.hpp"
#include "vhost/message.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <sys/types.h>

namespace vfsd::vhost {

// Sends one vhost-user message (header, then payload) on a connected socket,
// with fd as SCM_RIGHTS when it is not negative; retries on EINTR.  Returns
// the bytes sent, or -1 with errno set.
ssize_t send_message(int socket, const MessageHeader& header, std::span<const std::uint8_t> payload,
                     int fd);

// The connected vhost-user socket: reads requests with their SCM_RIGHTS fds,
// writes replies.
class MessageChannel {
public:
    explicit MessageChannel(UniqueFd socket) : socket_(std::move(socket)) {}

    // nullopt on orderly disconnect; throws std::runtime_error on a protocol
    // or socket error (the connection is then unusable).
    std::optional<Message> receive();
    // fd >= 0 travels with the reply (SCM_RIGHTS).
    void send_reply(const MessageHeader& request, std::span<const std::uint8_t> payload,
                    int fd = -1);
    void send_u64_reply(const MessageHeader& request, std::uint64_t value);

private:
    UniqueFd socket_;
};

} // namespace vfsd::vhost
