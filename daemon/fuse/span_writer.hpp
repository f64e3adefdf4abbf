#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <sys/uio.h>
#include <vector>

namespace vfsd::fuse {

// Writes into a request's device-writable spans at explicit offsets; never
// past their end.
class SpanWriter {
public:
    explicit SpanWriter(std::span<const iovec> spans);

    std::size_t capacity() const { return capacity_; }
    // False (nothing written) if [offset, offset+n) does not fit.
    bool write_at(std::size_t offset, const void* src, std::size_t n);
    // Spans covering [offset, offset+n), for reading file data in place.
    std::optional<std::vector<iovec>> spans_at(std::size_t offset, std::size_t n) const;

private:
    std::span<const iovec> spans_;
    std::size_t capacity_ = 0;
};

} // namespace vfsd::fuse
