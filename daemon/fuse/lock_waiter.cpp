#include "fuse/lock_waiter.hpp"

#include <atomic>
#include <cerrno>
#include <spdlog/spdlog.h>
#include <thread>

namespace vfsd::fuse {

struct LockWaiter::Wait {
    std::shared_ptr<InterruptRegistry::Call> call;
    std::thread thread;
    std::atomic<bool> done{false};
};

LockWaiter::~LockWaiter() {
    interrupts_.cancel_all();
    std::lock_guard lock(mutex_);
    for (auto& wait : waits_) {
        // Left the registry: only the return from run() is still to come.
        wait->thread.join();
    }
}

std::size_t LockWaiter::waiting() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& wait : waits_) {
        n += wait->done ? 0 : 1;
    }
    return n;
}

// Finished waits have answered; their threads are about to return.
void LockWaiter::reap_locked() {
    std::erase_if(waits_, [](const std::shared_ptr<Wait>& wait) {
        if (!wait->done) {
            return false;
        }
        wait->thread.join();
        return true;
    });
}

int LockWaiter::start(std::uint64_t unique, std::function<int()> block,
                      std::function<void(int)> answer) {
    auto call = interrupts_.enter(unique);
    if (call->cancelled()) {
        call->leave();
        return EINTR;
    }
    std::lock_guard lock(mutex_);
    reap_locked();
    if (waits_.size() >= kMaxWaits) {
        call->leave();
        spdlog::warn("fuse: lock wait for unique {} refused ({} waiting)", unique, waits_.size());
        return ENOLCK;
    }
    auto wait = std::make_shared<Wait>();
    wait->call = std::move(call);
    wait->thread = std::thread([wait, block = std::move(block), answer = std::move(answer)] {
        run(*wait, block, answer);
    });
    waits_.push_back(std::move(wait));
    return 0;
}

void LockWaiter::run(Wait& wait, const std::function<int()>& block,
                     const std::function<void(int)>& answer) {
    wait.call->bind();
    int err = EINTR;
    while (!wait.call->cancelled()) {
        err = block();
        // EINTR without a cancel: some other signal; keep waiting.
        if (err != EINTR) {
            break;
        }
    }
    wait.call->mute();
    if (wait.call->cancelled() && err == 0) {
        // Granted as the cancel came: the guest gets the lock (it may already
        // have given up waiting, then its process exit or close releases it).
        spdlog::debug("fuse: lock granted while being interrupted");
    }
    // Answered before leaving: a cancel_all that returns has its answers.
    answer(err);
    wait.call->leave();
    wait.done = true;
}

void LockWaiter::cancel_all() {
    interrupts_.cancel_all();
    std::lock_guard lock(mutex_);
    reap_locked();
}

} // namespace vfsd::fuse
