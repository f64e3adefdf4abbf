#include "vhost/listener.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <system_error>

namespace vfsd::vhost {

Listener Listener::bind_path(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
        throw std::invalid_argument("socket path empty or too long: " + path);
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
        ::unlink(path.c_str()); // left behind by an earlier run
    }
    // Only our user may connect: the socket gives full access to the shared tree.
    const mode_t old_umask = ::umask(0077);
    const int r = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    const int bind_errno = errno;
    ::umask(old_umask);
    if (r != 0) {
        throw std::system_error(bind_errno, std::generic_category(), "bind " + path);
    }
    if (::listen(fd.get(), 1) != 0) {
        throw std::system_error(errno, std::generic_category(), "listen");
    }
    return Listener(std::move(fd));
}

Listener Listener::adopt(int fd) {
    int type = 0;
    socklen_t len = sizeof(type);
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
        throw std::invalid_argument("--fd is not a stream socket");
    }
    return Listener(UniqueFd(fd));
}

UniqueFd Listener::accept_one() {
    for (;;) {
        int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) {
            return UniqueFd(c);
        }
        if (errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "accept");
        }
    }
}

} // namespace vfsd::vhost
