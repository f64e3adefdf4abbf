#pragma once

#include "fuse/interrupt_registry.hpp"

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace vfsd::fuse {

// Runs the blocking part of a lock request (SETLKW, a blocking flock) on a
// thread of its own, so the worker that decoded it goes back to serving and
// any number of waiters cannot stall other requests.  A wait ends when the
// host grants the lock or when FUSE_INTERRUPT (or a stopping queue) cancels
// it through the interrupt registry: the blocking call returns EINTR and the
// request is answered EINTR.
class LockWaiter {
public:
    // Waits beyond this many get ENOLCK: each holds a thread.
    static constexpr std::size_t kMaxWaits = 256;

    explicit LockWaiter(InterruptRegistry& interrupts) : interrupts_(interrupts) {}
    ~LockWaiter(); // cancels every wait and joins its thread
    LockWaiter(const LockWaiter&) = delete;
    LockWaiter& operator=(const LockWaiter&) = delete;

    // Runs block() on a new thread, then answer(its errno) on that thread.
    // Returns 0, or the errno to answer right away without waiting (EINTR:
    // already interrupted; ENOLCK: too many waits).
    int start(std::uint64_t unique, std::function<int()> block, std::function<void(int)> answer);
    // Ends every wait (and every other registered call) with EINTR.
    // Returns when all the waits it ended have answered.
    void cancel_all();
    std::size_t waiting() const;

private:
    struct Wait;
    static void run(Wait& wait, const std::function<int()>& block,
                    const std::function<void(int)>& answer);
    void reap_locked();

    InterruptRegistry& interrupts_;
    // Protects waits_.
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<Wait>> waits_;
};

} // namespace vfsd::fuse
