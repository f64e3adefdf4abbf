#include "vhost/kick_waiter.hpp"

#include <cerrno>
#include <cstdint>
#include <sys/epoll.h>
#include <system_error>

namespace vfsd::vhost {

namespace {

void watch(int epoll_fd, int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        throw std::system_error(errno, std::generic_category(), "epoll_ctl");
    }
}

} // namespace

KickWaiter::KickWaiter(int kick_fd, int wake_fd)
    : epoll_(::epoll_create1(EPOLL_CLOEXEC)), kick_fd_(kick_fd) {
    if (!epoll_) {
        throw std::system_error(errno, std::generic_category(), "epoll_create1");
    }
    watch(epoll_.get(), kick_fd, EPOLLIN | EPOLLET);
    watch(epoll_.get(), wake_fd, EPOLLIN);
}

KickWaiter::Event KickWaiter::wait() {
    epoll_event events[2];
    int n;
    do {
        n = ::epoll_wait(epoll_.get(), events, 2, -1);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return Event::Closed;
    }
    Event seen = Event::Woken;
    for (int i = 0; i < n; ++i) {
        if (events[i].data.fd != kick_fd_) {
            continue;
        }
        if (events[i].events & (EPOLLHUP | EPOLLERR)) {
            return Event::Closed;
        }
        seen = Event::Kicked;
    }
    return seen;
}

} // namespace vfsd::vhost
