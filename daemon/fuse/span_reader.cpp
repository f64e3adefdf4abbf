#include "fuse/span_reader.hpp"

#include <algorithm>
#include <cstring>

namespace vfsd::fuse {

SpanReader::SpanReader(std::span<const iovec> spans) : spans_(spans) {
    for (const auto& s : spans_) {
        remaining_ += s.iov_len;
    }
}

void SpanReader::advance(std::size_t n) {
    remaining_ -= n;
    while (n > 0) {
        const std::size_t here = std::min(n, spans_[index_].iov_len - offset_);
        n -= here;
        offset_ += here;
        if (offset_ == spans_[index_].iov_len) {
            ++index_;
            offset_ = 0;
        }
    }
    // Skip empty spans so index_ always points at data when remaining_ > 0.
    while (index_ < spans_.size() && offset_ == spans_[index_].iov_len) {
        ++index_;
        offset_ = 0;
    }
}

bool SpanReader::read(void* dst, std::size_t n) {
    if (n > remaining_) {
        return false;
    }
    auto* out = static_cast<std::uint8_t*>(dst);
    std::size_t i = index_, off = offset_, left = n;
    while (left > 0) {
        const std::size_t here = std::min(left, spans_[i].iov_len - off);
        std::memcpy(out, static_cast<const std::uint8_t*>(spans_[i].iov_base) + off, here);
        out += here;
        left -= here;
        off += here;
        if (off == spans_[i].iov_len) {
            ++i;
            off = 0;
        }
    }
    advance(n);
    return true;
}

std::size_t SpanReader::read_up_to(void* dst, std::size_t n, std::size_t dst_size) {
    const std::size_t take = std::min({n, remaining_, dst_size});
    read(dst, take);
    std::memset(static_cast<std::uint8_t*>(dst) + take, 0, dst_size - take);
    return take;
}

std::optional<std::string> SpanReader::read_string(std::size_t max_len) {
    std::string out;
    std::size_t i = index_, off = offset_, scanned = 0;
    while (scanned < remaining_) {
        const auto* base = static_cast<const char*>(spans_[i].iov_base) + off;
        const std::size_t avail = spans_[i].iov_len - off;
        const void* nul = std::memchr(base, '\0', avail);
        const std::size_t take = nul ? static_cast<const char*>(nul) - base : avail;
        if (out.size() + take > max_len) {
            return std::nullopt;
        }
        out.append(base, take);
        if (nul) {
            advance(scanned + take + 1);
            return out;
        }
        scanned += avail;
        ++i;
        off = 0;
    }
    return std::nullopt; // no terminating NUL
}

std::optional<std::vector<iovec>> SpanReader::take_spans(std::size_t n) {
    if (n > remaining_) {
        return std::nullopt;
    }
    std::vector<iovec> out;
    std::size_t i = index_, off = offset_, left = n;
    while (left > 0) {
        const std::size_t here = std::min(left, spans_[i].iov_len - off);
        out.push_back(iovec{static_cast<std::uint8_t*>(spans_[i].iov_base) + off, here});
        left -= here;
        off += here;
        if (off == spans_[i].iov_len) {
            ++i;
            off = 0;
        }
    }
    advance(n);
    return out;
}

} // namespace vfsd::fuse
