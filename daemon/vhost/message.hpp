#pragma once

#include "common/unique_fd.hpp"
#include "vhost/protocol.hpp"

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace vfsd::vhost {

// One vhost-user message with the file descriptors that came with it.
struct Message {
    MessageHeader header{};
    std::vector<std::uint8_t> payload;
    std::vector<UniqueFd> fds;

    MessageType request() const { return static_cast<MessageType>(header.request); }
    bool needs_reply() const { return (header.flags & kFlagNeedReply) != 0; }

    // Copies the payload into T if it is exactly large enough; nullopt otherwise.
    template <typename T> std::optional<T> payload_as() const {
        if (payload.size() < sizeof(T)) {
            return std::nullopt;
        }
        T value;
        std::memcpy(&value, payload.data(), sizeof(T));
        return value;
    }
    UniqueFd take_fd(std::size_t i = 0) { return i < fds.size() ? std::move(fds[i]) : UniqueFd(); }
};

} // namespace vfsd::vhost
