#include "vhost/message_channel.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/uio.h>
#include <system_error>

namespace vfsd::vhost {

namespace {

// Reads exactly n bytes unless the peer closes first; returns bytes read.
std::size_t read_fully(int fd, void* buf, std::size_t n) {
    auto* p = static_cast<std::uint8_t*>(buf);
    std::size_t done = 0;
    while (done < n) {
        ssize_t r = ::recv(fd, p + done, n - done, 0);
        if (r == 0) {
            break;
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "vhost-user recv");
        }
        done += static_cast<std::size_t>(r);
    }
    return done;
}

} // namespace

std::optional<Message> MessageChannel::receive() {
    Message msg;
    iovec iov{&msg.header, sizeof(msg.header)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof(control);

    ssize_t r;
    do {
        r = ::recvmsg(socket_.get(), &mh, MSG_CMSG_CLOEXEC);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno == ECONNRESET) {
            return std::nullopt;
        }
        throw std::system_error(errno, std::generic_category(), "vhost-user recvmsg");
    }
    if (r == 0) {
        return std::nullopt;
    }
    // Take ownership of every fd first so none leaks on the error paths below.
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < n; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            msg.fds.emplace_back(fd);
        }
    }
    if (mh.msg_flags & MSG_CTRUNC) {
        throw std::runtime_error("vhost-user message carried too many fds");
    }
    if (static_cast<std::size_t>(r) < sizeof(msg.header)) {
        std::size_t rest = sizeof(msg.header) - static_cast<std::size_t>(r);
        if (read_fully(socket_.get(), reinterpret_cast<std::uint8_t*>(&msg.header) + r, rest) !=
            rest) {
            return std::nullopt;
        }
    }
    if ((msg.header.flags & kVersionMask) != kVersion) {
        throw std::runtime_error("vhost-user message with unsupported version");
    }
    if (msg.header.size > kMaxPayloadSize) {
        throw std::runtime_error("vhost-user payload too large");
    }
    msg.payload.resize(msg.header.size);
    if (read_fully(socket_.get(), msg.payload.data(), msg.payload.size()) != msg.payload.size()) {
        return std::nullopt;
    }
    return msg;
}

ssize_t send_message(int socket, const MessageHeader& header, std::span<const std::uint8_t> payload,
                     int fd) {
    iovec iov[2] = {{const_cast<MessageHeader*>(&header), sizeof(header)},
                    {const_cast<std::uint8_t*>(payload.data()), payload.size()}};
    msghdr mh{};
    mh.msg_iov = iov;
    mh.msg_iovlen = payload.empty() ? 1 : 2;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        mh.msg_control = control;
        mh.msg_controllen = sizeof(control);
        cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t r;
    do {
        r = ::sendmsg(socket, &mh, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    return r;
}

void MessageChannel::send_reply(const MessageHeader& request, std::span<const std::uint8_t> payload,
                                int fd) {
    const MessageHeader header{request.request, kVersion | kFlagReply,
                               static_cast<std::uint32_t>(payload.size())};
    const ssize_t r = send_message(socket_.get(), header, payload, fd);
    if (r < 0) {
        throw std::system_error(errno, std::generic_category(), "vhost-user sendmsg");
    }
    if (static_cast<std::size_t>(r) != sizeof(header) + payload.size()) {
        throw std::runtime_error("vhost-user reply sent partially");
    }
}

void MessageChannel::send_u64_reply(const MessageHeader& request, std::uint64_t value) {
    send_reply(request, std::span(reinterpret_cast<const std::uint8_t*>(&value), sizeof(value)));
}

} // namespace vfsd::vhost
