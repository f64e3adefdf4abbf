#include "vhost/vring.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>

namespace vfsd::vhost {

Vring::Vring(unsigned index, RequestHandler& handler) : index_(index), handler_(handler) {}

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
    stop_worker();
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
    broken_logged_ = false;
    stop_requested_ = false;
    worker_ = std::thread([this] { run(); });
    spdlog::debug("queue {}: started (size {}, base {}, event_idx {})", index_, size_, base_,
                  event_idx);
    return true;
}

void Vring::stop_worker() {
    if (worker_.joinable()) {
        stop_requested_ = true;
        wake_.signal();
        worker_.join();
    }
}

std::uint16_t Vring::stop() {
    stop_worker();
    for (;;) {
        std::unique_lock lock(inflight_mutex_);
        if (inflight_done_.wait_for(lock, std::chrono::milliseconds(100),
                                    [this] { return inflight_ == 0; })) {
            break;
        }
        lock.unlock();
        handler_.release_held_requests();
    }
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
    stop_worker();
    if (auto err = queue_.remap(std::move(memory)); !err.empty()) {
        spdlog::error("queue {}: rings lost after memory table change: {}", index_, err);
        return;
    }
    if (was_running) {
        stop_requested_ = false;
        worker_ = std::thread([this] { run(); });
    }
}

void Vring::run() {
    pollfd fds[2] = {{kick_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (enabled_) {
        process_available();
    }
    while (!stop_requested_) {
        int n = ::poll(fds, 2, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            spdlog::error("queue {}: poll: {}", index_, std::strerror(errno));
            return;
        }
        if (fds[1].revents) {
            wake_.drain();
        }
        if (stop_requested_) {
            break;
        }
        if (fds[0].revents & POLLIN) {
            eventfd_t value;
            [[maybe_unused]] int r = ::eventfd_read(kick_.get(), &value);
        } else if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            spdlog::warn("queue {}: kick fd closed", index_);
            return;
        }
        if (enabled_) {
            process_available();
        }
    }
}

// Requests a killed predecessor took and never completed come first, in
// the order it took them, before anything newer on the ring.
void Vring::process_owed() {
    const auto owed = queue_.take_owed();
    if (!owed.empty()) {
        spdlog::info("queue {}: resubmitting {} request(s) left by the previous daemon", index_,
                     owed.size());
    }
    for (std::uint16_t head : owed) {
        if (!dispatch(queue_.pop_owed(head), true)) {
            return;
        }
    }
}

void Vring::process_available() {
    process_owed();
    while (!stop_requested_) {
        PopResult popped = queue_.pop();
        if (popped.status == PopResult::Status::Empty || !dispatch(std::move(popped), false)) {
            return;
        }
    }
}

bool Vring::dispatch(PopResult popped, bool replayed) {
    switch (popped.status) {
    case PopResult::Status::Empty:
        return true;
    case PopResult::Status::Broken:
        if (!broken_logged_) {
            spdlog::error("queue {}: ring unusable, ignoring it until restarted: {}", index_,
                          popped.error);
            broken_logged_ = true;
        }
        return false;
    case PopResult::Status::BadChain:
        // A misbehaving guest must not be able to flood the log.
        if (++bad_chains_ <= 10 || bad_chains_ % 1000 == 0) {
            spdlog::warn("queue {}: dropping malformed request ({} so far): {}", index_,
                         bad_chains_, popped.error);
        }
        if (queue_.push_used(popped.chain.head, 0)) {
            signal_guest();
        }
        return true;
    case PopResult::Status::Chain:
        break;
    }
    {
        std::lock_guard lock(inflight_mutex_);
        ++inflight_;
    }
    Request request(std::move(popped.chain.readable), std::move(popped.chain.writable), this,
                    popped.chain.head, queue_.memory());
    request.set_unreachable_bytes(popped.chain.unreachable_bytes);
    request.set_replayed(replayed);
    request.set_queue_busy(popped.waiting_behind > 0);
    handler_.handle(std::move(request));
    return true;
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
