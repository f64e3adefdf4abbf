#include "vhost/request.hpp"

#include <utility>

namespace vfsd::vhost {

namespace {

std::size_t total_size(const std::vector<iovec>& spans) {
    std::size_t n = 0;
    for (const auto& s : spans) {
        n += s.iov_len;
    }
    return n;
}

} // namespace

Request::Request(std::vector<iovec> readable, std::vector<iovec> writable,
                 RequestCompletion* completion, std::uint16_t head,
                 std::shared_ptr<const void> memory_keepalive)
    : readable_(std::move(readable)), writable_(std::move(writable)), completion_(completion),
      head_(head), memory_keepalive_(std::move(memory_keepalive)) {}

Request::Request(Request&& other) noexcept
    : readable_(std::move(other.readable_)), writable_(std::move(other.writable_)),
      completion_(std::exchange(other.completion_, nullptr)), head_(other.head_),
      memory_keepalive_(std::move(other.memory_keepalive_)),
      unreachable_bytes_(other.unreachable_bytes_), replayed_(other.replayed_) {}

Request& Request::operator=(Request&& other) noexcept {
    if (this != &other) {
        complete(0);
        readable_ = std::move(other.readable_);
        writable_ = std::move(other.writable_);
        completion_ = std::exchange(other.completion_, nullptr);
        head_ = other.head_;
        memory_keepalive_ = std::move(other.memory_keepalive_);
        unreachable_bytes_ = other.unreachable_bytes_;
        replayed_ = other.replayed_;
    }
    return *this;
}

Request::~Request() {
    complete(0);
}

std::size_t Request::readable_size() const {
    return total_size(readable_);
}
std::size_t Request::writable_size() const {
    return total_size(writable_);
}

void Request::complete(std::uint32_t bytes_written) {
    if (completion_ != nullptr) {
        auto* target = std::exchange(completion_, nullptr);
        target->complete_request(head_, bytes_written);
        // Guest memory may go away once the ring no longer references it.
        memory_keepalive_.reset();
    }
}

} // namespace vfsd::vhost
