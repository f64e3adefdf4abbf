#pragma once

#include "common/event_fd.hpp"
#include "common/unique_fd.hpp"
#include "vhost/request.hpp"
#include "vhost/split_virtqueue.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace vfsd::vhost {

// One virtqueue of the device: its configuration as set by vhost-user
// messages, the worker thread that waits for kicks and pops requests, and the
// completion path that fills the used ring and signals the call eventfd.
class Vring final : public RequestCompletion {
public:
    Vring(unsigned index, RequestHandler& handler);
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
    bool running() const { return worker_.joinable(); }

    // Maps the rings and starts the worker; false (logged) if the rings are unusable.
    bool start(std::shared_ptr<const GuestMemory> memory, bool event_idx);
    // Stops the worker, waits for requests in flight, and returns the index
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
    void process_available();
    void process_owed();
    // Hands a popped chain on; false if the ring is unusable.
    bool dispatch(PopResult popped, bool replayed);
    void stop_worker();
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

    SplitVirtqueue queue_;
    std::atomic<bool> enabled_{false};
    std::atomic<bool> stop_requested_{false};
    EventFd wake_;
    std::thread worker_;
    bool broken_logged_ = false;
    std::uint64_t bad_chains_ = 0;

    std::mutex inflight_mutex_;
    std::condition_variable inflight_done_;
    unsigned inflight_ = 0;
};

} // namespace vfsd::vhost
