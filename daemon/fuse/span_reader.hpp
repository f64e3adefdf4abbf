#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <sys/uio.h>
#include <vector>

namespace vfsd::fuse {

// Sequential reads from a request's device-readable spans.  Small things
// (headers, in-structs, names) are copied out so a guest changing its memory
// meanwhile cannot change what was checked; bulk data can be taken as spans.
class SpanReader {
public:
    explicit SpanReader(std::span<const iovec> spans);

    std::size_t remaining() const { return remaining_; }

    // Copies n bytes; false (nothing consumed) if fewer remain.
    bool read(void* dst, std::size_t n);
    template <typename T> bool read(T& out) { return read(&out, sizeof(T)); }
    // Copies min(n, remaining) bytes and zero-fills the rest of dst_size.
    std::size_t read_up_to(void* dst, std::size_t n, std::size_t dst_size);
    // A NUL-terminated string of at most max_len characters; consumes the NUL.
    std::optional<std::string> read_string(std::size_t max_len);
    // The next n bytes as spans into the request, without copying.
    std::optional<std::vector<iovec>> take_spans(std::size_t n);

private:
    void advance(std::size_t n);

    std::span<const iovec> spans_;
    std::size_t index_ = 0;  // current span
    std::size_t offset_ = 0; // within current span
    std::size_t remaining_ = 0;
};

} // namespace vfsd::fuse
