#include "fuse/reply.hpp"

#include <cerrno>
#include <spdlog/spdlog.h>

namespace vfsd::fuse {

Reply::Reply(vhost::Request& request, std::uint64_t unique)
    : request_(request), writer_(request.writable()), unique_(unique) {}

Reply::~Reply() {
    if (!done_) {
        // A handler forgot to answer: the guest must not wait forever.
        error(EIO);
    }
}

std::size_t Reply::payload_capacity() const {
    return writer_.capacity() > sizeof(fuse_out_header)
               ? writer_.capacity() - sizeof(fuse_out_header)
               : 0;
}

std::optional<std::vector<iovec>> Reply::payload_spans(std::size_t n) const {
    return writer_.spans_at(sizeof(fuse_out_header), n);
}

void Reply::error(int positive_errno) {
    finish(-positive_errno, 0);
}

bool Reply::send(const void* a, std::size_t an, const void* b, std::size_t bn) {
    if (an + bn > payload_capacity()) {
        spdlog::warn("fuse: reply of {} bytes does not fit in {} bytes of buffer", an + bn,
                     payload_capacity());
        finish(-EIO, 0);
        return false;
    }
    if (an > 0) {
        writer_.write_at(sizeof(fuse_out_header), a, an);
    }
    if (bn > 0) {
        writer_.write_at(sizeof(fuse_out_header) + an, b, bn);
    }
    return finish(0, an + bn);
}

void Reply::payload_written(std::size_t n) {
    finish(0, n);
}

void Reply::none() {
    done_ = true;
    request_.complete(0);
}

bool Reply::finish(std::int32_t error, std::size_t payload_len) {
    done_ = true;
    fuse_out_header h{};
    h.len = static_cast<std::uint32_t>(sizeof(h) + payload_len);
    h.error = error;
    h.unique = unique_;
    if (!writer_.write_at(0, &h, sizeof(h))) {
        spdlog::warn("fuse: request {} has no room for a reply header", unique_);
        request_.complete(0);
        return false;
    }
    request_.complete(h.len);
    return true;
}

} // namespace vfsd::fuse
