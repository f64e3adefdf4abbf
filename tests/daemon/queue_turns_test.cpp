// A request queue's threads taking turns (vhost/vring.hpp): a request runs
// in the thread that popped it, and a request blocked there does not hold up
// the ones behind it while the queue has another thread.  Driven over
// vhost-user by a fake frontend, with a memfd as guest RAM.
#include "common/mapping.hpp"
#include "common/unique_fd.hpp"
#include "ring_layout.hpp"
#include "vhost/backend.hpp"
#include "vhost/message_channel.hpp"
#include "vhost_frontend.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <mutex>
#include <set>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace vfsd;
using namespace vfsd::vhost;
using vfsd::test::Frontend;

using namespace vfsd::test::ring;

namespace {

// A request whose first byte is 'B' blocks until released (by the test or
// by the queue stopping), and says so; any other completes after 5 ms.
struct BlockingHandler final : RequestHandler {
    std::mutex mutex;
    std::condition_variable cv;
    bool released = false;
    int blocked = 0;
    std::atomic<int> releases_asked{0};
    std::set<std::thread::id> quick_threads; // guarded by mutex

    static bool blocks(const Request& request) {
        return *static_cast<const char*>(request.readable()[0].iov_base) == 'B';
    }
    bool may_block(const Request& request) override { return blocks(request); }
    void handle(Request request) override {
        if (!blocks(request)) {
            // Long enough for the next kicks to come while this one runs.
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            std::lock_guard lock(mutex);
            quick_threads.insert(std::this_thread::get_id());
        } else {
            std::unique_lock lock(mutex);
            ++blocked;
            cv.notify_all();
            cv.wait(lock, [this] { return released; });
        }
        request.complete(1);
    }
    void release_held_requests() override {
        ++releases_asked;
        release();
    }
    void release() {
        std::lock_guard lock(mutex);
        released = true;
        cv.notify_all();
    }
    bool wait_blocked(int n) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, std::chrono::seconds(5), [&] { return blocked >= n; });
    }
};

// The backend serving request queue 1 with the given number of threads.
class Rig {
public:
    explicit Rig(unsigned threads) {
        int sv[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        fe_ = std::make_unique<Frontend>(UniqueFd(sv[0]));
        BackendOptions options{2, true};
        options.offer_inflight = false;
        options.threads_per_queue = threads;
        backend_ = std::make_unique<Backend>(handler, options);
        channel_ = std::make_unique<MessageChannel>(UniqueFd(sv[1]));
        server_ = std::thread([this] { backend_->serve(*channel_); });

        fe_->send(MessageType::SetFeatures,
                  std::uint64_t{(1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_EVENT_IDX)});
        memfd_ = UniqueFd(::memfd_create("guest", MFD_CLOEXEC));
        REQUIRE(::ftruncate(memfd_.get(), kSize) == 0);
        ram_ = Mapping::map_shared(memfd_.get(), kSize);
        SingleMemoryRegionPayload region{0, {kGpa, kSize, kQva, 0}};
        fe_->send(MessageType::AddMemReg, region, {memfd_.get()});
        kick_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        call_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        REQUIRE(fe_->start_request_queue(kQueueSize, kQva, kDesc, kAvail, kUsed, call_.get(),
                                         kick_.get()) == 0);
    }
    ~Rig() {
        handler.release();
        fe_->close();
        server_.join();
    }

    // Puts a one-byte request (and a one-byte reply buffer) on the ring;
    // returns its head.  Kicks only when asked to.
    std::uint16_t add(char byte, bool kick) {
        const std::uint16_t head = 2 * added_;
        auto* desc = reinterpret_cast<vring_desc*>(ram_.data() + kDesc);
        const std::uint64_t data = kGpa + kData + 64 * head;
        ram_.data()[kData + 64 * head] = static_cast<std::uint8_t>(byte);
        desc[head] = {data, 1, VRING_DESC_F_NEXT, static_cast<std::uint16_t>(head + 1)};
        desc[head + 1] = {data + 32, 1, VRING_DESC_F_WRITE, 0};
        auto* avail = reinterpret_cast<vring_avail*>(ram_.data() + kAvail);
        avail->ring[added_ % kQueueSize] = head;
        ++added_;
        __atomic_store_n(&avail->idx, added_, __ATOMIC_RELEASE);
        if (kick) {
            REQUIRE(::eventfd_write(kick_.get(), 1) == 0);
        }
        return head;
    }
    std::uint16_t used_idx() const {
        auto* used = reinterpret_cast<const vring_used*>(ram_.data() + kUsed);
        return __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE);
    }
    std::uint32_t used_id(unsigned slot) const {
        auto* used = reinterpret_cast<const vring_used*>(ram_.data() + kUsed);
        return used->ring[slot % kQueueSize].id;
    }
    bool wait_used(std::uint16_t n, std::chrono::milliseconds limit) const {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (used_idx() < n) {
            if (std::chrono::steady_clock::now() > end) {
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }
    std::uint16_t stop_queue() {
        fe_->send(MessageType::GetVringBase, vhost_vring_state{1, 0});
        auto base = fe_->reply(MessageType::GetVringBase);
        REQUIRE(base.size() == sizeof(vhost_vring_state));
        vhost_vring_state state;
        std::memcpy(&state, base.data(), sizeof(state));
        return static_cast<std::uint16_t>(state.num);
    }

    BlockingHandler handler;

private:
    std::unique_ptr<Frontend> fe_;
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<MessageChannel> channel_;
    std::thread server_;
    UniqueFd memfd_;
    Mapping ram_;
    UniqueFd kick_;
    UniqueFd call_;
    std::uint16_t added_ = 0;
};

} // namespace

TEST_CASE("queue threads: a request arriving behind a blocked one is served", "[vring]") {
    Rig rig(2);
    rig.add('B', true);
    REQUIRE(rig.handler.wait_blocked(1));
    const auto fast = rig.add('x', true);
    REQUIRE(rig.wait_used(1, std::chrono::seconds(5)));
    CHECK(rig.used_id(0) == fast);
    rig.handler.release();
    CHECK(rig.wait_used(2, std::chrono::seconds(5)));
}

TEST_CASE("queue threads: quick requests run one after another in the thread holding the queue",
          "[vring]") {
    Rig rig(4);
    // Kicked while the holder is busy: no other thread is woken for them.
    for (int i = 0; i < 8; ++i) {
        rig.add('x', true);
    }
    REQUIRE(rig.wait_used(8, std::chrono::seconds(5)));
    std::lock_guard lock(rig.handler.mutex);
    CHECK(rig.handler.quick_threads.size() == 1);
}

TEST_CASE("queue threads: the queue passes to another thread before a blocking request",
          "[vring]") {
    Rig rig(2);
    rig.add('B', false);
    const auto fast = rig.add('x', true); // one kick for both, as a guest batches
    REQUIRE(rig.handler.wait_blocked(1));
    REQUIRE(rig.wait_used(1, std::chrono::seconds(5)));
    CHECK(rig.used_id(0) == fast);
}

TEST_CASE("queue threads: with one thread a blocked request holds the queue", "[vring]") {
    Rig rig(1);
    rig.add('B', true);
    REQUIRE(rig.handler.wait_blocked(1));
    rig.add('x', true);
    CHECK_FALSE(rig.wait_used(1, std::chrono::milliseconds(300)));
    rig.handler.release();
    CHECK(rig.wait_used(2, std::chrono::seconds(5)));
}

TEST_CASE("queue threads: stopping the queue ends a blocked request", "[vring]") {
    Rig rig(3);
    rig.add('B', true);
    rig.add('B', true);
    REQUIRE(rig.handler.wait_blocked(2));
    CHECK(rig.stop_queue() == 2);
    CHECK(rig.handler.releases_asked > 0);
    CHECK(rig.used_idx() == 2);
}
