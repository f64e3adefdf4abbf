#include "fuse/span_writer.hpp"

#include <cstdint>
#include <cstring>

namespace vfsd::fuse {

SpanWriter::SpanWriter(std::span<const iovec> spans) : spans_(spans) {
    for (const auto& s : spans_) {
        capacity_ += s.iov_len;
    }
}

std::optional<std::vector<iovec>> SpanWriter::spans_at(std::size_t offset, std::size_t n) const {
    if (offset > capacity_ || n > capacity_ - offset) {
        return std::nullopt;
    }
    std::vector<iovec> out;
    for (const auto& s : spans_) {
        if (n == 0) {
            break;
        }
        if (offset >= s.iov_len) {
            offset -= s.iov_len;
            continue;
        }
        const std::size_t here = std::min(n, s.iov_len - offset);
        out.push_back(iovec{static_cast<std::uint8_t*>(s.iov_base) + offset, here});
        n -= here;
        offset = 0;
    }
    return out;
}

bool SpanWriter::write_at(std::size_t offset, const void* src, std::size_t n) {
    auto spans = spans_at(offset, n);
    if (!spans) {
        return false;
    }
    const auto* p = static_cast<const std::uint8_t*>(src);
    for (const auto& s : *spans) {
        std::memcpy(s.iov_base, p, s.iov_len);
        p += s.iov_len;
    }
    return true;
}

} // namespace vfsd::fuse
