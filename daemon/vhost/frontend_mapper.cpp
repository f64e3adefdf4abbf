#include "vhost/frontend_mapper.hpp"

#include "vhost/message_channel.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace vfsd::vhost {

namespace {

const char* name_of(BackendRequest type) {
    return type == BackendRequest::ShmemMap ? "SHMEM_MAP" : "SHMEM_UNMAP";
}

// One whole datagram-like read of n bytes from a stream socket.
bool recv_exactly(int fd, void* buf, std::size_t n) {
    auto* p = static_cast<std::uint8_t*>(buf);
    std::size_t done = 0;
    while (done < n) {
        const ssize_t r = ::recv(fd, p + done, n - done, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(r);
    }
    return true;
}

} // namespace

FrontendMapper::FrontendMapper(std::chrono::milliseconds reply_timeout)
    : reply_timeout_(reply_timeout) {}

FrontendMapper::~FrontendMapper() {
    detach();
}

void FrontendMapper::share_on_attach(SharedRegion region) {
    shared_ = std::move(region);
}

void FrontendMapper::attach(UniqueFd channel, bool can_map) {
    join_sharer(); // a second SET_SLAVE_REQ_FD replaces the channel
    {
        std::lock_guard lock(mutex_);
        channel_ = std::move(channel);
        stale_replies_ = 0;
        available_ = can_map && static_cast<bool>(channel_);
        spdlog::info("vhost-user: backend channel {}, DAX mappings {}",
                     channel_ ? "attached" : "missing", available_ ? "possible" : "not possible");
    }
    if (!shared_) {
        return;
    }
    if (!available_) {
        shared_->mapped(ENODEV);
        return;
    }
    sharer_ = std::thread([this] {
        ShmemMapPayload p{};
        p.shmid = shared_->shmid;
        p.len = shared_->size;
        shared_->mapped(transact(BackendRequest::ShmemMap, p, shared_->fd));
    });
}

void FrontendMapper::join_sharer() {
    if (sharer_.joinable()) {
        cancel_wait();
        sharer_.join();
    }
}

void FrontendMapper::detach() {
    available_ = false;
    join_sharer();
    cancel_wait();
    std::lock_guard lock(mutex_);
    channel_ = UniqueFd();
}

void FrontendMapper::cancel_wait() {
    cancel_.signal();
}

int FrontendMapper::map(int fd, std::uint64_t file_offset, std::uint64_t window_offset,
                        std::uint64_t length, bool writable) {
    ShmemMapPayload p{};
    p.shmid = 0;
    p.fd_offset = file_offset;
    p.shm_offset = window_offset;
    p.len = length;
    p.flags = writable ? kShmemMapWritable : 0;
    return transact(BackendRequest::ShmemMap, p, fd);
}

int FrontendMapper::unmap(std::uint64_t window_offset, std::uint64_t length) {
    ShmemMapPayload p{};
    p.shm_offset = window_offset;
    p.len = length;
    return transact(BackendRequest::ShmemUnmap, p, -1);
}

int FrontendMapper::transact(BackendRequest type, const ShmemMapPayload& payload, int fd) {
    std::lock_guard lock(mutex_);
    if (!available_ || !channel_) {
        return ENODEV;
    }
    cancel_.drain(); // a cancel meant for an earlier wait
    if (int err = send_request(type, payload, fd); err != 0) {
        return err;
    }
    const int result = await_reply(type);
    if (result < 0) {
        ++stale_replies_;
        spdlog::error("vhost-user: no reply to {} of region {} {:#x}+{:#x}, failing it with EIO",
                      name_of(type), payload.shmid, payload.shm_offset, payload.len);
        return EIO;
    }
    if (result != 0) {
        spdlog::warn("vhost-user: frontend refused {} of region {} {:#x}+{:#x} (file offset {:#x})",
                     name_of(type), payload.shmid, payload.shm_offset, payload.len,
                     payload.fd_offset);
    }
    return result;
}

int FrontendMapper::send_request(BackendRequest type, const ShmemMapPayload& payload, int fd) {
    const MessageHeader header{static_cast<std::uint32_t>(type), kVersion | kFlagNeedReply,
                               sizeof(payload)};
    const auto bytes = std::as_bytes(std::span(&payload, 1));
    const ssize_t r = send_message(
        channel_.get(), header,
        std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), fd);
    if (r != static_cast<ssize_t>(sizeof(header) + sizeof(payload))) {
        fail_channel(r < 0 ? std::strerror(errno) : "partial send");
        return EIO;
    }
    return 0;
}

int FrontendMapper::await_reply(BackendRequest type) {
    const auto deadline = std::chrono::steady_clock::now() + reply_timeout_;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd fds[2] = {{channel_.get(), POLLIN, 0}, {cancel_.get(), POLLIN, 0}};
        const int n = ::poll(fds, 2, static_cast<int>(std::max<long>(left.count(), 0)));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0 || (fds[1].revents & POLLIN)) {
            return -1; // timed out or cancelled
        }
        MessageHeader header{};
        std::uint64_t value = 0;
        if (!recv_exactly(channel_.get(), &header, sizeof(header)) ||
            header.size != sizeof(value) || !recv_exactly(channel_.get(), &value, sizeof(value))) {
            fail_channel("bad or missing reply");
            return EIO;
        }
        if (stale_replies_ > 0) {
            --stale_replies_;
            continue;
        }
        if (header.request != static_cast<std::uint32_t>(type) || !(header.flags & kFlagReply)) {
            fail_channel("reply to another request");
            return EIO;
        }
        // 0 is success; a frontend may say why it failed as a negative errno.
        const auto code = static_cast<std::int64_t>(value);
        return code == 0 ? 0 : (code < 0 && code > -4096 ? static_cast<int>(-code) : EIO);
    }
}

void FrontendMapper::fail_channel(const char* why) {
    spdlog::error("vhost-user: backend channel unusable ({}), no more DAX mappings", why);
    available_ = false;
    channel_ = UniqueFd();
}

} // namespace vfsd::vhost
