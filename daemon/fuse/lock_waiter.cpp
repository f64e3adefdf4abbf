#include "fuse/lock_waiter.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <mutex>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace vfsd::fuse {

namespace {

// The signal that breaks a waiting thread out of its blocking call.  The
// handler does nothing: its only effect is EINTR (installed without
// SA_RESTART).
constexpr int kWakeSignal = SIGUSR2;
constexpr std::size_t kMaxEarly = 128;

void ignore_wake(int) {}

void install_wake_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = ignore_wake;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;
        ::sigaction(kWakeSignal, &sa, nullptr);
    });
}

} // namespace

struct LockWaiter::Wait {
    std::thread thread;
    std::atomic<bool> cancelled{false};
    std::atomic<bool> done{false};
};

LockWaiter::LockWaiter() {
    install_wake_handler();
}

LockWaiter::~LockWaiter() {
    cancel_all();
}

std::size_t LockWaiter::waiting() const {
    std::lock_guard lock(mutex_);
    return waits_.size();
}

// Finished waits have answered; their threads are about to return.
void LockWaiter::reap_locked() {
    for (auto it = waits_.begin(); it != waits_.end();) {
        if (it->second->done) {
            it->second->thread.join();
            it = waits_.erase(it);
        } else {
            ++it;
        }
    }
}

int LockWaiter::start(std::uint64_t unique, std::function<int()> block,
                      std::function<void(int)> answer) {
    std::lock_guard lock(mutex_);
    reap_locked();
    if (auto it = std::find(early_.begin(), early_.end(), unique); it != early_.end()) {
        early_.erase(it);
        return EINTR;
    }
    if (waits_.size() >= kMaxWaits || waits_.count(unique) != 0) {
        spdlog::warn("fuse: lock wait for unique {} refused ({} waiting)", unique, waits_.size());
        return ENOLCK;
    }
    auto wait = std::make_shared<Wait>();
    wait->thread = std::thread([this, wait, block = std::move(block), answer = std::move(answer)] {
        run(wait, block, answer);
    });
    waits_.emplace(unique, std::move(wait));
    return 0;
}

void LockWaiter::run(const std::shared_ptr<Wait>& wait, const std::function<int()>& block,
                     const std::function<void(int)>& answer) {
    sigset_t wake;
    sigemptyset(&wake);
    sigaddset(&wake, kWakeSignal);
    // Whatever the creating thread blocked, this one must hear the signal.
    ::pthread_sigmask(SIG_UNBLOCK, &wake, nullptr);
    int err = EINTR;
    while (!wait->cancelled) {
        err = block();
        // EINTR without a cancel: some other signal; keep waiting.
        if (err != EINTR) {
            break;
        }
    }
    // Late wake signals stay pending from here on: nothing the answer does
    // may see EINTR.
    ::pthread_sigmask(SIG_BLOCK, &wake, nullptr);
    if (wait->cancelled && err == 0) {
        // Granted as the cancel came: the guest gets the lock (it may already
        // have given up waiting, then its process exit or close releases it).
        spdlog::debug("fuse: lock granted while being interrupted");
    }
    answer(err);
    std::lock_guard lock(mutex_);
    wait->done = true;
    finished_.notify_all();
}

// The signal can arrive just before the thread enters its blocking call and
// be lost; sending it until the thread is done closes that window.
void LockWaiter::signal_until_done(const std::shared_ptr<Wait>& wait) {
    const pthread_t thread = wait->thread.native_handle();
    std::unique_lock lock(mutex_);
    while (!wait->done) {
        ::pthread_kill(thread, kWakeSignal);
        finished_.wait_for(lock, std::chrono::milliseconds(2));
    }
}

void LockWaiter::interrupt(std::uint64_t unique) {
    std::shared_ptr<Wait> wait;
    {
        std::lock_guard lock(mutex_);
        auto it = waits_.find(unique);
        if (it == waits_.end()) {
            early_.push_back(unique);
            if (early_.size() > kMaxEarly) {
                early_.pop_front();
            }
            return;
        }
        wait = it->second;
        wait->cancelled = true;
    }
    spdlog::debug("fuse: interrupting the lock wait of unique {}", unique);
    signal_until_done(wait);
}

void LockWaiter::cancel_all() {
    std::vector<std::shared_ptr<Wait>> all;
    {
        std::lock_guard lock(mutex_);
        early_.clear();
        for (auto& [unique, wait] : waits_) {
            wait->cancelled = true;
            all.push_back(wait);
        }
    }
    for (const auto& wait : all) {
        signal_until_done(wait);
    }
    std::lock_guard lock(mutex_);
    reap_locked();
}

} // namespace vfsd::fuse
