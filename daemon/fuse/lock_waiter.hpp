#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace vfsd::fuse {

// Runs the blocking part of a lock request (SETLKW, a blocking flock) on a
// thread of its own, so the worker that decoded it goes back to serving and
// any number of waiters cannot stall other requests.  A wait ends when the
// host grants the lock or when FUSE_INTERRUPT (or a stopping queue) cancels
// it: its thread then gets a signal, the blocking call returns EINTR and the
// request is answered EINTR.
//
// An interrupt can overtake its request (it travels on the high-priority
// queue), so an interrupt for a unique not waiting here is remembered and
// a wait that later starts under that unique ends at once with EINTR.
class LockWaiter {
public:
    // Waits beyond this many get ENOLCK: each holds a thread.
    static constexpr std::size_t kMaxWaits = 256;

    LockWaiter();
    ~LockWaiter(); // cancels every wait and joins its thread
    LockWaiter(const LockWaiter&) = delete;
    LockWaiter& operator=(const LockWaiter&) = delete;

    // Runs block() on a new thread, then answer(its errno) on that thread.
    // Returns 0, or the errno to answer right away without waiting (EINTR:
    // already interrupted; ENOLCK: too many waits).
    int start(std::uint64_t unique, std::function<int()> block, std::function<void(int)> answer);
    // FUSE_INTERRUPT for unique.  Returns once a wait it cancels has been
    // answered (its thread only has to leave a system call).
    void interrupt(std::uint64_t unique);
    // Ends every wait with EINTR (queue stop, session end) and forgets the
    // remembered interrupts.  Returns when all have answered.
    void cancel_all();
    std::size_t waiting() const;

private:
    struct Wait;
    void run(const std::shared_ptr<Wait>& wait, const std::function<int()>& block,
             const std::function<void(int)>& answer);
    void signal_until_done(const std::shared_ptr<Wait>& wait);
    void reap_locked();

    // Protects waits_, early_ and every Wait's membership; a Wait's flags
    // are atomics of its own.
    mutable std::mutex mutex_;
    std::condition_variable finished_;
    std::map<std::uint64_t, std::shared_ptr<Wait>> waits_;
    std::deque<std::uint64_t> early_; // interrupted before they arrived, oldest first
};

} // namespace vfsd::fuse
