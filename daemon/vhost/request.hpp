#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <sys/uio.h>
#include <vector>

namespace vfsd::vhost {

// Where a finished request reports how many bytes it wrote (the used ring).
class RequestCompletion {
public:
    virtual void complete_request(std::uint16_t head, std::uint32_t bytes_written) = 0;

protected:
    ~RequestCompletion() = default;
};

// One request as the layer above sees it: bytes the guest gave us to read,
// bytes it gave us to fill, and complete().  The spans point into guest memory
// and stay valid until the request is completed or destroyed.  A request that
// is destroyed without complete() is completed with 0 bytes so the guest gets
// its buffers back.
class Request {
public:
    Request(std::vector<iovec> readable, std::vector<iovec> writable, RequestCompletion* completion,
            std::uint16_t head, std::shared_ptr<const void> memory_keepalive);
    Request(Request&& other) noexcept;
    Request& operator=(Request&& other) noexcept;
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;
    ~Request();

    std::span<const iovec> readable() const { return readable_; }
    std::span<const iovec> writable() const { return writable_; }
    std::size_t readable_size() const;
    std::size_t writable_size() const;

    // Buffers the transport could not reach (outside guest RAM, e.g. in the
    // DAX window) are not in the spans; a request with any cannot be served
    // as the guest meant it.
    void set_unreachable_bytes(std::uint64_t n) { unreachable_bytes_ = n; }
    std::uint64_t unreachable_bytes() const { return unreachable_bytes_; }

    // Taken by a backend that was killed before completing it and run again
    // by its successor (the inflight buffer): it may already have had its
    // effect on the host.
    void set_replayed(bool replayed) { replayed_ = replayed; }
    bool replayed() const { return replayed_; }

    // Returns the buffers to the guest; later calls do nothing.
    void complete(std::uint32_t bytes_written);
    bool completed() const { return completion_ == nullptr; }

private:
    std::vector<iovec> readable_;
    std::vector<iovec> writable_;
    RequestCompletion* completion_ = nullptr;
    std::uint16_t head_ = 0;
    std::shared_ptr<const void> memory_keepalive_;
    std::uint64_t unreachable_bytes_ = 0;
    bool replayed_ = false;
};

// What the transport hands requests to.
class RequestHandler {
public:
    virtual void handle(Request request) = 0;
    // Whether handle(request) may block for long (a slow host file, a lock
    // wait, a flush to storage): the queue's thread then lets another take
    // over the queue before it runs the request.  Quick requests run one
    // after another in the thread that holds the queue.
    virtual bool may_block(const Request& request) {
        (void)request;
        return true;
    }
    // A queue is stopping and waits for its requests: complete any that are
    // deliberately held back (fault injection).  Called repeatedly while waiting.
    virtual void release_held_requests() {}

protected:
    ~RequestHandler() = default;
};

} // namespace vfsd::vhost
