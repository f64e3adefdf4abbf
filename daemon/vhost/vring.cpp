#include "vhost/vring.hpp"

#include "vhost/kick_waiter.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <system_error>

namespace vfsd::vhost {

Vring::Vring(unsigned index, RequestHandler& handler, unsigned threads)
    : index_(index), handler_(handler), threads_(threads == 0 ? 1 : threads) {}

Vring::~Vring() {
    stop();
}

void Vring::set_call(UniqueFd fd) {
    std::lock_guard lock(call_mutex_);
    call_ = std::move(fd);
}

void Vring::set_enabled(bool enabled) {
    enabled_ = enabled;
    if (enabled && running()) {
        wake_.signal(); // buffers may have been queued while disabled
    }
}

bool Vring::start(std::shared_ptr<const GuestMemory> memory, bool event_idx) {
    stop_workers();
    if (auto err =
            queue_.attach(std::move(memory), size_, addresses_, event_idx, base_, inflight_region_);
        !err.empty()) {
        spdlog::error("queue {}: cannot start: {}", index_, err);
        return false;
    }
    if (inflight_region_ != nullptr) {
        // A killed predecessor may have put heads without signalling the
        // guest; one interrupt too many costs nothing.
        signal_guest();
    }
    const auto owed = queue_.take_owed();
    owed_.assign(owed.begin(), owed.end());
    if (!owed_.empty()) {
        spdlog::info("queue {}: resubmitting {} request(s) left by the previous daemon", index_,
                     owed_.size());
    }
    broken_logged_ = false;
    start_workers();
    spdlog::debug("queue {}: started (size {}, base {}, event_idx {}, {} threads)", index_, size_,
                  base_, event_idx, threads_);
    return true;
}

template <typename Done> void Vring::wait_until(Done done) {
    for (;;) {
        std::unique_lock lock(inflight_mutex_);
        if (inflight_done_.wait_for(lock, std::chrono::milliseconds(100), done)) {
            return;
        }
        lock.unlock();
        handler_.release_held_requests();
    }
}

void Vring::start_workers() {
    stop_requested_ = false;
    turn_taken_ = false;
    live_workers_ = threads_;
    for (unsigned i = 0; i < threads_; ++i) {
        workers_.emplace_back([this] {
            run();
            std::lock_guard lock(inflight_mutex_);
            --live_workers_;
            inflight_done_.notify_all();
        });
    }
}

void Vring::stop_workers() {
    if (workers_.empty()) {
        return;
    }
    stop_requested_ = true;
    wake_.signal(); // never drained while stopping: reaches the holder
    {
        // Under the lock: a thread between its check and its wait must not
        // miss the notification.
        std::lock_guard lock(turn_mutex_);
    }
    turn_free_.notify_all();
    // A thread may be inside a request blocked on a slow host file: ask the
    // handler to end such requests until every thread is out.
    wait_until([this] { return live_workers_ == 0; });
    for (auto& t : workers_) {
        t.join();
    }
    workers_.clear();
    wake_.drain();
}

std::uint16_t Vring::stop() {
    stop_workers();
    wait_until([this] { return inflight_ == 0; });
    if (queue_.attached()) {
        base_ = queue_.last_avail_idx();
    }
    queue_.detach();
    return base_;
}

std::uint16_t Vring::stop_and_release() {
    const std::uint16_t base = stop();
    kick_.reset();
    set_call(UniqueFd());
    enabled_ = false;
    return base;
}

void Vring::remap(std::shared_ptr<const GuestMemory> memory) {
    if (!queue_.attached()) {
        return;
    }
    const bool was_running = running();
    stop_workers();
    if (auto err = queue_.remap(std::move(memory)); !err.empty()) {
        spdlog::error("queue {}: rings lost after memory table change: {}", index_, err);
        return;
    }
    if (was_running) {
        start_workers();
    }
}

void Vring::run() {
    // Named for host profiles (vfs-harness bench --host-profile).
    ::pthread_setname_np(::pthread_self(), fmt::format("vfsd-q{}", index_).c_str());
    std::optional<KickWaiter> waiter;
    try {
        waiter.emplace(kick_.get(), wake_.get());
    } catch (const std::system_error& e) {
        spdlog::error("queue {}: cannot wait for kicks: {}", index_, e.what());
        return;
    }
    while (take_queue()) {
        if (!hold_queue(*waiter)) {
            return;
        }
    }
}

bool Vring::take_queue() {
    std::unique_lock lock(turn_mutex_);
    turn_free_.wait(lock, [this] { return !turn_taken_ || stop_requested_; });
    if (stop_requested_) {
        return false;
    }
    turn_taken_ = true;
    return true;
}

void Vring::give_queue() {
    {
        std::lock_guard lock(turn_mutex_);
        turn_taken_ = false;
    }
    turn_free_.notify_one();
}

bool Vring::hold_queue(KickWaiter& waiter) {
    while (!stop_requested_) {
        if (enabled_ && serve_ring() == Served::HandedOver) {
            return true;
        }
        if (stop_requested_) {
            break;
        }
        switch (waiter.wait()) {
        case KickWaiter::Event::Kicked:
            break;
        case KickWaiter::Event::Woken:
            if (!stop_requested_) {
                wake_.drain();
            }
            break;
        case KickWaiter::Event::Closed:
            spdlog::warn("queue {}: kick fd closed", index_);
            give_queue(); // the others find it closed as well, and end
            return false;
        }
    }
    give_queue();
    return true;
}

Vring::Served Vring::serve_ring() {
    while (!stop_requested_) {
        bool replayed = false;
        PopResult popped = pop_next(replayed);
        if (popped.status == PopResult::Status::Empty ||
            popped.status == PopResult::Status::Broken) {
            if (popped.status == PopResult::Status::Broken && !broken_logged_.exchange(true)) {
                spdlog::error("queue {}: ring unusable, ignoring it until restarted: {}", index_,
                              popped.error);
            }
            return Served::Empty;
        }
        auto request = to_request(std::move(popped), replayed);
        if (!request) {
            continue;
        }
        if (threads_ > 1 && handler_.may_block(*request)) {
            give_queue();
            handler_.handle(std::move(*request));
            return Served::HandedOver;
        }
        handler_.handle(std::move(*request));
    }
    return Served::Empty;
}

// Requests a killed predecessor took and never completed come first, in
// the order it took them, before anything newer on the ring.
PopResult Vring::pop_next(bool& replayed) {
    if (!owed_.empty()) {
        const std::uint16_t head = owed_.front();
        owed_.pop_front();
        replayed = true;
        return queue_.pop_owed(head);
    }
    return queue_.pop();
}

std::optional<Request> Vring::to_request(PopResult popped, bool replayed) {
    if (popped.status == PopResult::Status::BadChain) {
        // A misbehaving guest must not be able to flood the log.
        if (const auto n = ++bad_chains_; n <= 10 || n % 1000 == 0) {
            spdlog::warn("queue {}: dropping malformed request ({} so far): {}", index_, n,
                         popped.error);
        }
        if (queue_.push_used(popped.chain.head, 0)) {
            signal_guest();
        }
        return std::nullopt;
    }
    {
        std::lock_guard lock(inflight_mutex_);
        ++inflight_;
    }
    Request request(std::move(popped.chain.readable), std::move(popped.chain.writable), this,
                    popped.chain.head, queue_.memory());
    request.set_unreachable_bytes(popped.chain.unreachable_bytes);
    request.set_replayed(replayed);
    return request;
}

void Vring::complete_request(std::uint16_t head, std::uint32_t bytes_written) {
    if (queue_.push_used(head, bytes_written)) {
        signal_guest();
    }
    std::lock_guard lock(inflight_mutex_);
    if (--inflight_ == 0) {
        inflight_done_.notify_all();
    }
}

void Vring::signal_guest() {
    std::lock_guard lock(call_mutex_);
    if (call_) {
        ::eventfd_write(call_.get(), 1);
    }
}

} // namespace vfsd::vhost
