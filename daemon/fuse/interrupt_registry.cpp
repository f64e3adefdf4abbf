#include "fuse/interrupt_registry.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <pthread.h>
#include <spdlog/spdlog.h>

namespace vfsd::fuse {

namespace {

// The signal that breaks a thread out of its blocking call.  The handler
// does nothing: its only effect is EINTR (installed without SA_RESTART).
constexpr int kWakeSignal = SIGUSR2;
constexpr std::size_t kMaxEarly = 128;
// A signal can land just before its thread enters the blocking call and be
// lost, and some calls (a disk read) do not end on a signal at all: resend
// until the call leaves, first often, then less so.
constexpr auto kFirstResend = std::chrono::milliseconds(1);
constexpr auto kLastResend = std::chrono::milliseconds(64);

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

void set_wake_blocked(bool blocked) {
    sigset_t wake;
    sigemptyset(&wake);
    sigaddset(&wake, kWakeSignal);
    ::pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &wake, nullptr);
}

} // namespace

InterruptRegistry::Call::Call(InterruptRegistry& registry, std::uint64_t unique, bool cancelled)
    : registry_(registry), unique_(unique), cancelled_(cancelled) {}

bool InterruptRegistry::Call::cancelled() const {
    std::lock_guard lock(registry_.mutex_);
    return cancelled_;
}

void InterruptRegistry::Call::bind() {
    // Unblocked first: a signal sent as soon as bound_ is set must be heard.
    set_wake_blocked(false);
    std::lock_guard lock(registry_.mutex_);
    thread_ = ::pthread_self();
    bound_ = true;
}

void InterruptRegistry::Call::mute() {
    set_wake_blocked(true);
}

void InterruptRegistry::Call::leave() {
    mute();
    registry_.leave(*this);
}

InterruptRegistry::Scope::Scope(InterruptRegistry& registry, std::uint64_t unique)
    : call_(registry.enter(unique)) {
    call_->bind();
}

InterruptRegistry::Scope::~Scope() {
    call_->leave();
}

InterruptRegistry::InterruptRegistry() {
    install_wake_handler();
}

InterruptRegistry::~InterruptRegistry() {
    cancel_all();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (signaller_.joinable()) {
        signaller_.join();
    }
}

std::size_t InterruptRegistry::registered() const {
    std::lock_guard lock(mutex_);
    return calls_.size();
}

std::shared_ptr<InterruptRegistry::Call> InterruptRegistry::enter(std::uint64_t unique) {
    std::lock_guard lock(mutex_);
    bool cancelled = false;
    if (auto it = std::find(early_.begin(), early_.end(), unique); it != early_.end()) {
        early_.erase(it);
        cancelled = true;
    }
    // make_shared cannot reach the private constructor.
    std::shared_ptr<Call> call(new Call(*this, unique, cancelled));
    // A duplicate unique (a misbehaving guest) replaces the entry it finds:
    // the older call stays cancellable only through cancel_all's wait.
    calls_[unique] = call;
    return call;
}

void InterruptRegistry::leave(Call& call) {
    {
        std::lock_guard lock(mutex_);
        auto it = calls_.find(call.unique_);
        if (it != calls_.end() && it->second.get() == &call) {
            calls_.erase(it);
        }
        call.bound_ = false;
    }
    changed_.notify_all();
}

void InterruptRegistry::interrupt(std::uint64_t unique) {
    {
        std::lock_guard lock(mutex_);
        auto it = calls_.find(unique);
        if (it == calls_.end()) {
            early_.push_back(unique);
            if (early_.size() > kMaxEarly) {
                early_.pop_front();
            }
            return;
        }
        it->second->cancelled_ = true;
        spdlog::debug("fuse: interrupting unique {}", unique);
        signal_cancelled_locked();
        if (!signaller_.joinable()) {
            // Started on first use: the daemon is single-threaded until it
            // serves (the sandbox and capability drop need that).
            signaller_ = std::thread([this] { run_signaller(); });
        }
    }
    changed_.notify_all();
}

void InterruptRegistry::signal_cancelled_locked() {
    for (const auto& [unique, call] : calls_) {
        if (call->cancelled_ && call->bound_) {
            ::pthread_kill(call->thread_, kWakeSignal);
        }
    }
}

// Resends the wake signal to every cancelled call still registered.  Only
// under mutex_, so a thread is never signalled after it left.
void InterruptRegistry::run_signaller() {
    std::unique_lock lock(mutex_);
    auto period = kFirstResend;
    while (!stopping_) {
        const bool pending = std::any_of(calls_.begin(), calls_.end(), [](const auto& entry) {
            return entry.second->cancelled_;
        });
        if (!pending) {
            period = kFirstResend;
            changed_.wait(lock);
            continue;
        }
        changed_.wait_for(lock, period);
        signal_cancelled_locked();
        period = std::min(period * 2, kLastResend);
    }
}

void InterruptRegistry::cancel_all() {
    std::unique_lock lock(mutex_);
    early_.clear();
    auto period = kFirstResend;
    while (!calls_.empty()) {
        for (auto& [unique, call] : calls_) {
            call->cancelled_ = true;
        }
        signal_cancelled_locked();
        changed_.wait_for(lock, period);
        period = std::min(period * 2, kLastResend);
    }
}

} // namespace vfsd::fuse
