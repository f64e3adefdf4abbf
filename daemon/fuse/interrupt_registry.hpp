#pragma once

#include "fs/result.hpp"

#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <thread>

namespace vfsd::fuse {

// The requests that FUSE_INTERRUPT can cancel while they block in a system
// call: a SETLKW wait, a READ or WRITE of a slow host file (a file on a
// FUSE or NFS mount, say).  The thread running such a request registers it
// by unique; an interrupt marks it cancelled and sends that thread a signal,
// so the blocking call returns EINTR and the request is answered EINTR.
//
// An interrupt can overtake its request (it travels on the high-priority
// queue): one for a unique not registered is remembered, and the request
// that later registers under that unique starts cancelled.  Uniques are not
// reused within a session, so remembering a finished one is harmless.
//
// The wake signal is unblocked only while a thread runs a registered call:
// one that arrives late stays pending and is taken, harmlessly, when the
// thread next unblocks it, so no unrelated system call ever sees EINTR.
class InterruptRegistry {
public:
    // One registered request.  Created by enter(), run by one thread between
    // bind() and leave() (both on that thread).
    class Call {
    public:
        bool cancelled() const;
        // The calling thread runs the request's blocking calls from now on.
        void bind();
        // From here on nothing the thread does may see EINTR (a late wake
        // signal stays pending); it may still be signalled until leave().
        void mute();
        // The thread is done with the request; mutes first.
        void leave();

    private:
        friend class InterruptRegistry;
        Call(InterruptRegistry& registry, std::uint64_t unique, bool cancelled);
        InterruptRegistry& registry_;
        const std::uint64_t unique_;
        // All three are guarded by registry_.mutex_.
        bool cancelled_;
        bool bound_ = false;
        pthread_t thread_{};
    };

    // Binds on construction, leaves on destruction: a call run by the
    // thread that decoded it (READ, WRITE).
    class Scope {
    public:
        Scope(InterruptRegistry& registry, std::uint64_t unique);
        ~Scope();
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;
        bool cancelled() const { return call_->cancelled(); }

    private:
        std::shared_ptr<Call> call_;
    };

    InterruptRegistry();
    ~InterruptRegistry(); // cancels every call, waits for them, stops the signaller
    InterruptRegistry(const InterruptRegistry&) = delete;
    InterruptRegistry& operator=(const InterruptRegistry&) = delete;

    // Registers unique (cancelled at once if its interrupt came first).
    std::shared_ptr<Call> enter(std::uint64_t unique);
    // FUSE_INTERRUPT for unique.  Does not wait: the signaller thread keeps
    // signalling the call's thread until it leaves.
    void interrupt(std::uint64_t unique);
    // Cancels every registered call and returns once all have left (queue
    // stop, session end); forgets the remembered interrupts.
    void cancel_all();
    std::size_t registered() const;

    // Runs io() (a system call wrapper returning fs::Result) for the request
    // unique until it ends other than with EINTR, or with EINTR once the
    // request is cancelled; cancelled before it starts, io() is not run.
    template <typename Io> auto run(std::uint64_t unique, Io&& io) -> decltype(io()) {
        Scope scope(*this, unique);
        for (;;) {
            if (scope.cancelled()) {
                return fs::Errno{EINTR};
            }
            auto result = io();
            // EINTR without a cancel: a late signal for an earlier request.
            if (result.ok() || result.error() != EINTR || scope.cancelled()) {
                return result;
            }
        }
    }

private:
    void leave(Call& call);
    void signal_cancelled_locked();
    void run_signaller();

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    // Registered calls by unique; a call is here from enter() to leave().
    std::map<std::uint64_t, std::shared_ptr<Call>> calls_;
    std::deque<std::uint64_t> early_; // interrupted before they arrived, oldest first
    bool stopping_ = false;
    std::thread signaller_; // last: started once the rest exists
};

} // namespace vfsd::fuse
