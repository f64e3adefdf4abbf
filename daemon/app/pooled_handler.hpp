#pragma once

#include "app/thread_pool.hpp"
#include "vhost/request.hpp"

#include <memory>

namespace vfsd {

// --thread-pool=always: hands every request to one pool shared by all
// queues, so the queue thread that popped it is free at once.  It costs a
// thread wake-up on the way in and another CPU's cache on the way out,
// which the default (the queue's own threads taking turns, vhost/vring.hpp)
// does not pay.
class PooledHandler final : public vhost::RequestHandler {
public:
    PooledHandler(vhost::RequestHandler& inner, unsigned threads) : inner_(inner), pool_(threads) {}

    void handle(vhost::Request request) override {
        // A request with no room for a reply (FORGET, INTERRUPT: the
        // high-priority queue) never blocks and runs at once: an interrupt
        // must not queue behind the blocked requests it is meant to end.
        if (request.writable_size() == 0) {
            inner_.handle(std::move(request));
            return;
        }
        // std::function needs a copyable callable; the request is move-only.
        auto shared = std::make_shared<vhost::Request>(std::move(request));
        pool_.submit([this, shared] { inner_.handle(std::move(*shared)); });
    }

    // Handing a request to the pool never blocks the queue's thread.
    bool may_block(const vhost::Request&) override { return false; }

    void release_held_requests() override { inner_.release_held_requests(); }

private:
    vhost::RequestHandler& inner_;
    ThreadPool pool_;
};

} // namespace vfsd
