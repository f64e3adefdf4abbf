#include "common/event_fd.hpp"

#include <cerrno>
#include <cstdint>
#include <sys/eventfd.h>
#include <system_error>

namespace vfsd {

EventFd::EventFd() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!fd_) {
        throw std::system_error(errno, std::generic_category(), "eventfd");
    }
}

void EventFd::signal() const {
    const std::uint64_t one = 1;
    // EAGAIN only happens when the counter is saturated, which still wakes the reader.
    [[maybe_unused]] auto n = ::write(fd_.get(), &one, sizeof(one));
}

bool EventFd::drain() const {
    std::uint64_t value = 0;
    return ::read(fd_.get(), &value, sizeof(value)) == sizeof(value) && value != 0;
}

} // namespace vfsd
