#pragma once

#include "fuse/span_writer.hpp"
#include "vhost/request.hpp"

#include <cstddef>
#include <cstdint>
#include <linux/fuse.h>
#include <optional>
#include <vector>

namespace vfsd::fuse {

// Builds the one reply to a FUSE request in the request's writable spans:
// payload first (after room for the header), header last with the final
// length, then completes the request.  A reply that does not fit becomes an
// EIO error; one whose header does not fit completes the request empty.
class Reply {
public:
    Reply(vhost::Request& request, std::uint64_t unique);
    ~Reply();
    Reply(const Reply&) = delete;
    Reply& operator=(const Reply&) = delete;

    // The ok() variants return false if the payload did not reach the guest
    // (so references handed out in it must be dropped again).
    void error(int positive_errno);
    bool ok() { return send(nullptr, 0, nullptr, 0); }
    template <typename T> bool ok(const T& out) { return send(&out, sizeof(T), nullptr, 0); }
    template <typename A, typename B> bool ok(const A& a, const B& b) {
        return send(&a, sizeof(A), &b, sizeof(B));
    }
    bool bytes(const void* data, std::size_t n) { return send(data, n, nullptr, 0); }
    // Completes a reply whose payload the caller already put into payload_spans().
    void payload_written(std::size_t n);
    // Requests that take no reply (FORGET, INTERRUPT).
    void none();
    // The request was moved elsewhere and is answered there (a lock wait):
    // this Reply must not touch it again.
    void handed_over() { done_ = true; }

    std::size_t payload_capacity() const;
    std::optional<std::vector<iovec>> payload_spans(std::size_t n) const;
    bool done() const { return done_; }

private:
    bool send(const void* a, std::size_t an, const void* b, std::size_t bn);
    bool finish(std::int32_t error, std::size_t payload_len);

    vhost::Request& request_;
    SpanWriter writer_;
    std::uint64_t unique_;
    bool done_ = false;
};

} // namespace vfsd::fuse
