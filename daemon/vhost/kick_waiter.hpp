#pragma once

#include "common/unique_fd.hpp"

namespace vfsd::vhost {

// The wait for work of the thread that holds a queue (vhost/vring.hpp): the
// guest's kick on the queue, or a wake-up from the daemon (enable, stop).
// Each thread of the queue has its own waiter, used while it holds the
// queue.
//
// The kick fd is watched edge-triggered: each write to it is one event, so
// its counter is never read back, which saves a system call per request.
// The counter only grows; it would take centuries of kicks to reach the
// eventfd's limit.  A waiter whose thread did not hold the queue may find
// an old event when it next waits: one look at an empty ring.
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
