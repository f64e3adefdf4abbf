#pragma once

#include "common/event_fd.hpp"
#include "common/unique_fd.hpp"
#include "vhost/kick_waiter.hpp"
#include "vhost/request.hpp"
#include "vhost/split_virtqueue.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace vfsd::vhost {

// One virtqueue of the device: its configuration as set by vhost-user
// messages, the threads that wait for kicks, pop requests and run them, and
// the completion path that fills the used ring and signals the call eventfd.
//
// Threads take turns holding the queue (leader/followers): the holder
// alone waits for kicks and pops requests, and runs a quick one itself, so
// a stream of them costs no thread hand-over and wakes no other thread.
// Before it runs a request that may block (RequestHandler::may_block: a
// slow host file, a lock wait, an fsync), it hands the queue to a waiting
// thread, and takes its turn again once done.  A blocked request thus holds
// one thread, never the queue, until every thread of the queue is blocked.
class Vring final : public RequestCompletion {
public:
    // threads: how many threads serve this queue (at least one).
    Vring(unsigned index, RequestHandler& handler, unsigned threads);
    ~Vring();
    Vring(const Vring&) = delete;
    Vring& operator=(const Vring&) = delete;

    // Configuration (control thread only).
    void set_size(std::uint32_t size) { size_ = size; }
    void set_base(std::uint16_t base) { base_ = base; }
    void set_addresses(const VringAddresses& addresses) {
        addresses_ = addresses;
        addresses_set_ = true;
    }
    void set_kick(UniqueFd fd) { kick_ = std::move(fd); }
    void set_call(UniqueFd fd);
    void set_err(UniqueFd fd) { err_ = std::move(fd); }
    // This queue's region of the inflight buffer (null: none); used from the
    // next start().
    void set_inflight(InflightQueue* inflight) { inflight_region_ = inflight; }
    void set_enabled(bool enabled);

    bool ready_to_start() const { return kick_.valid() && addresses_set_ && size_ != 0; }
    bool running() const { return !workers_.empty(); }

    // Maps the rings and starts the threads; false (logged) if the rings are unusable.
    bool start(std::shared_ptr<const GuestMemory> memory, bool event_idx);
    // Stops the threads, waits for requests in flight, and returns the index
    // of the next avail entry.
    std::uint16_t stop();
    // GET_VRING_BASE: stop() and also forget kick and call fds and the enable
    // state, as the frontend sends them again before the next start.
    std::uint16_t stop_and_release();
    // Re-translates the rings after a memory table change.
    void remap(std::shared_ptr<const GuestMemory> memory);

    void complete_request(std::uint16_t head, std::uint32_t bytes_written) override;

private:
    void run();
    // Waits until this thread holds the queue; false once stopping.
    bool take_queue();
    void give_queue();
    // Serves the ring and waits for kicks while this thread holds the
    // queue; returns once it gave the queue away, false if kicks failed.
    bool hold_queue(KickWaiter& waiter);
    enum class Served {
        Empty,      // the ring is empty, or unusable, or the queue stops
        HandedOver, // the queue went to another thread before a blocking request
    };
    // Pops and runs requests.
    Served serve_ring();
    // The next request, owed ones first.  Only the thread holding the
    // queue pops, so popping needs no lock of its own.
    PopResult pop_next(bool& replayed);
    // A popped chain as a request for the handler; nullopt if it is not one.
    std::optional<Request> to_request(PopResult popped, bool replayed);
    void start_workers();
    void stop_workers();
    // Waits, under inflight_mutex_, for done(); ends held requests meanwhile.
    template <typename Done> void wait_until(Done done);
    void signal_guest();

    const unsigned index_;
    RequestHandler& handler_;

    std::uint32_t size_ = 0;
    std::uint16_t base_ = 0;
    VringAddresses addresses_;
    bool addresses_set_ = false;
    UniqueFd kick_;
    UniqueFd err_;
    InflightQueue* inflight_region_ = nullptr;

    std::mutex call_mutex_;
    UniqueFd call_;

    // Popping (avail ring, owed_) is the holder's alone (the turn below);
    // completing is SplitVirtqueue's own business (its used_mutex_).
    SplitVirtqueue queue_;
    std::deque<std::uint16_t> owed_;
    const unsigned threads_;
    std::atomic<bool> enabled_{false};
    std::atomic<bool> stop_requested_{false};
    EventFd wake_;
    // The queue's turn: whether a thread holds it.  A thread waits for
    // turn_free_ to take it.
    std::mutex turn_mutex_;
    std::condition_variable turn_free_;
    bool turn_taken_ = false; // guarded by turn_mutex_
    // Started and joined by the control thread only.
    std::vector<std::thread> workers_;
    std::atomic<bool> broken_logged_{false};
    std::atomic<std::uint64_t> bad_chains_{0};

    // Requests popped and not completed, and threads not yet out of run().
    std::mutex inflight_mutex_;
    std::condition_variable inflight_done_;
    unsigned inflight_ = 0;
    unsigned live_workers_ = 0;
};

} // namespace vfsd::vhost
