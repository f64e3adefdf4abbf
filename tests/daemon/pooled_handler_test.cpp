// --thread-pool=always (app/pooled_handler.hpp): a request with room for a
// reply runs in the shared pool, one without (FORGET, INTERRUPT) at once.
#include "app/pooled_handler.hpp"

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

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

std::thread::id run_one(vfsd::PooledHandler& pool, ThreadRecorder& inner, bool reply_room) {
    static NoCompletion completion;
    static std::array<char, 64> reply;
    const int before = inner.handled;
    std::vector<iovec> writable;
    if (reply_room) {
        writable.push_back(iovec{reply.data(), reply.size()});
    }
    Request r({}, std::move(writable), &completion, 0, nullptr);
    pool.handle(std::move(r));
    for (int i = 0; i < 2000 && inner.handled == before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(inner.handled == before + 1);
    std::lock_guard lock(inner.mutex);
    return inner.ran_on;
}

} // namespace

TEST_CASE("shared pool: a request with a reply runs in the pool", "[pool]") {
    ThreadRecorder inner;
    vfsd::PooledHandler pool(inner, 2);
    CHECK(run_one(pool, inner, true) != std::this_thread::get_id());
}

TEST_CASE("shared pool: a request without reply room runs at once", "[pool]") {
    ThreadRecorder inner;
    vfsd::PooledHandler pool(inner, 2);
    CHECK(run_one(pool, inner, false) == std::this_thread::get_id());
}
