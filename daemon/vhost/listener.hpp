#pragma once

#include "common/unique_fd.hpp"

#include <string>

namespace vfsd::vhost {

// The listening vhost-user socket: bound to a path, or inherited (--fd).
class Listener {
public:
    // Creates, binds (replacing a stale socket file) and listens; throws.
    static Listener bind_path(const std::string& path);
    // Takes an already listening socket; throws if fd is not a socket.
    static Listener adopt(int fd);

    // Blocks until the frontend connects; throws on error.
    UniqueFd accept_one();

private:
    explicit Listener(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

} // namespace vfsd::vhost
