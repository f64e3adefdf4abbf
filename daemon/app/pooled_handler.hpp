#pragma once

#include "app/thread_pool.hpp"
#include "vhost/request.hpp"

#include <memory>

namespace vfsd {

// Hands requests to a thread pool so a slow file operation does not hold up
// the queue worker that popped it, when others are waiting behind it.  A
// request alone on its queue runs in the queue's thread: handing it over
// costs a thread wake-up on the way in and another CPU's cache on the way
// out, which a single synchronous reader pays on every call
// (Documentation/benchmarks.md, thread pool).
class PooledHandler final : public vhost::RequestHandler {
public:
    // adaptive: run requests with nobody waiting behind them inline.
    PooledHandler(vhost::RequestHandler& inner, unsigned threads, bool adaptive)
        : inner_(inner), pool_(threads), adaptive_(adaptive) {}

    void handle(vhost::Request request) override {
        // A request with no room for a reply (FORGET, INTERRUPT: the
        // high-priority queue) never blocks and runs at once: an interrupt
        // must not queue behind the blocked requests it is meant to end.
        if (request.writable_size() == 0 || (adaptive_ && !request.queue_busy())) {
            inner_.handle(std::move(request));
            return;
        }
        // std::function needs a copyable callable; the request is move-only.
        auto shared = std::make_shared<vhost::Request>(std::move(request));
        pool_.submit([this, shared] { inner_.handle(std::move(*shared)); });
    }

    void release_held_requests() override { inner_.release_held_requests(); }

private:
    vhost::RequestHandler& inner_;
    ThreadPool pool_;
    bool adaptive_;
};

} // namespace vfsd
