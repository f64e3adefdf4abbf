#pragma once

#include "common/unique_fd.hpp"

namespace vfsd::vhost {

// One queue thread's wait for work: the guest's kick on its queue, or a
// wake-up from the daemon (enable, stop).  Several threads of one queue wait
// at once, each with its own waiter: a kick wakes one of them
// (EPOLLEXCLUSIVE), so a request the others are too busy for finds the
// thread that is free without waking them all; a wake-up reaches every
// thread.
//
// The kick fd is watched edge-triggered: each write to it (a kick, a turn
// passed to another thread) is one event, so its counter is never read
// back, which saves a system call per request.  The counter only grows; it
// would take centuries of kicks to reach the eventfd's limit.
class KickWaiter {
public:
    // Throws std::system_error if epoll cannot be set up.
    KickWaiter(int kick_fd, int wake_fd);

    enum class Event {
        Kicked, // a kick came: look at the ring
        Woken,  // the wake-up fd is readable (not drained)
        Closed, // the kick fd hung up or failed
    };
    Event wait();

private:
    UniqueFd epoll_;
    int kick_fd_;
};

} // namespace vfsd::vhost
