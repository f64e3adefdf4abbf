#pragma once

#include "common/unique_fd.hpp"

namespace vfsd {

// A non-blocking eventfd used to wake a thread.
class EventFd {
public:
    EventFd();
    explicit EventFd(UniqueFd fd) : fd_(std::move(fd)) {}

    int get() const { return fd_.get(); }
    void signal() const;
    // Resets the counter; returns whether it was non-zero.
    bool drain() const;

private:
    UniqueFd fd_;
};

} // namespace vfsd
