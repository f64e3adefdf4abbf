// The thread pool's adaptive policy (app/pooled_handler.hpp): a request with
// nothing waiting behind it runs in the queue's thread, others in the pool.
#include "app/pooled_handler.hpp"

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>

namespace {

using vfsd::vhost::Request;

struct NoCompletion final : vfsd::vhost::RequestCompletion {
    void complete_request(std::uint16_t, std::uint32_t) override {}
};

// Records the thread each request ran on.
struct ThreadRecorder final : vfsd::vhost::RequestHandler {
    std::mutex mutex;
    std::thread::id ran_on;
    std::atomic<int> handled{0};
    void handle(Request request) override {
        {
            std::lock_guard lock(mutex);
            ran_on = std::this_thread::get_id();
        }
        request.complete(0);
        ++handled;
    }
    void release_held_requests() override {}
};

std::thread::id run_one(vfsd::PooledHandler& pool, ThreadRecorder& inner, bool busy) {
    static NoCompletion completion;
    static std::array<char, 64> reply;
    const int before = inner.handled;
    Request r({}, {iovec{reply.data(), reply.size()}}, &completion, 0, nullptr);
    r.set_queue_busy(busy);
    pool.handle(std::move(r));
    for (int i = 0; i < 2000 && inner.handled == before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(inner.handled == before + 1);
    std::lock_guard lock(inner.mutex);
    return inner.ran_on;
}

} // namespace

TEST_CASE("adaptive pool: a lone request runs in the queue's thread, a busy queue's in the pool",
          "[pool]") {
    ThreadRecorder inner;
    vfsd::PooledHandler pool(inner, 2, true);
    CHECK(run_one(pool, inner, false) == std::this_thread::get_id());
    CHECK(run_one(pool, inner, true) != std::this_thread::get_id());
}

TEST_CASE("pool without the adaptive policy: every request in the pool", "[pool]") {
    ThreadRecorder inner;
    vfsd::PooledHandler pool(inner, 2, false);
    CHECK(run_one(pool, inner, false) != std::this_thread::get_id());
    CHECK(run_one(pool, inner, true) != std::this_thread::get_id());
}
