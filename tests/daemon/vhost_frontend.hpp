#pragma once

// A vhost-user frontend for tests: sends messages (with fds) the way QEMU
// does and reads the backend's replies.
#include "common/unique_fd.hpp"
#include "vhost/protocol.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <linux/vhost_types.h>
#include <sys/socket.h>
#include <vector>

namespace vfsd::test {

using vhost::kFlagNeedReply;
using vhost::kFlagReply;
using vhost::kVersion;
using vhost::MessageHeader;
using vhost::MessageType;

class Frontend {
public:
    explicit Frontend(UniqueFd fd) : fd_(std::move(fd)) {}

    void send(MessageType type, const void* payload, std::uint32_t size, std::vector<int> fds = {},
              bool need_reply = false) {
        MessageHeader h{static_cast<std::uint32_t>(type),
                        kVersion | (need_reply ? kFlagNeedReply : 0), size};
        std::vector<std::uint8_t> buf(sizeof(h) + size);
        std::memcpy(buf.data(), &h, sizeof(h));
        if (size > 0) {
            std::memcpy(buf.data() + sizeof(h), payload, size);
        }
        iovec iov{buf.data(), buf.size()};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
        if (!fds.empty()) {
            mh.msg_control = control;
            mh.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
            cmsghdr* c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
            std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
        }
        REQUIRE(::sendmsg(fd_.get(), &mh, 0) == static_cast<ssize_t>(buf.size()));
    }
    template <typename T>
    void send(MessageType type, const T& payload, std::vector<int> fds = {},
              bool need_reply = false) {
        send(type, &payload, sizeof(T), std::move(fds), need_reply);
    }
    std::vector<std::uint8_t> reply(MessageType type) {
        MessageHeader h{};
        REQUIRE(::recv(fd_.get(), &h, sizeof(h), MSG_WAITALL) == sizeof(h));
        CHECK(h.request == static_cast<std::uint32_t>(type));
        CHECK((h.flags & kFlagReply) != 0);
        std::vector<std::uint8_t> payload(h.size);
        if (h.size > 0) {
            REQUIRE(::recv(fd_.get(), payload.data(), h.size, MSG_WAITALL) == h.size);
        }
        return payload;
    }
    std::uint64_t reply_u64(MessageType type) {
        auto p = reply(type);
        REQUIRE(p.size() == 8);
        std::uint64_t v;
        std::memcpy(&v, p.data(), 8);
        return v;
    }
    // Starts request queue 1 as QEMU does after DRIVER_OK: its rings at
    // qva + the given offsets, then call, kick and enable.  Returns the
    // backend's answer to the enable.
    std::uint64_t start_request_queue(std::uint32_t size, std::uint64_t qva, std::uint64_t desc,
                                      std::uint64_t avail, std::uint64_t used, int call, int kick) {
        send(MessageType::SetVringNum, vhost_vring_state{1, size});
        send(MessageType::SetVringBase, vhost_vring_state{1, 0});
        vhost_vring_addr addr{};
        addr.index = 1;
        addr.desc_user_addr = qva + desc;
        addr.avail_user_addr = qva + avail;
        addr.used_user_addr = qva + used;
        send(MessageType::SetVringAddr, addr);
        send(MessageType::SetVringCall, std::uint64_t{1}, {call});
        send(MessageType::SetVringKick, std::uint64_t{1}, {kick});
        send(MessageType::SetVringEnable, vhost_vring_state{1, 1}, {}, true);
        return reply_u64(MessageType::SetVringEnable);
    }
    void close() { fd_.reset(); }

private:
    UniqueFd fd_;
};

} // namespace vfsd::test
