#include "fuse/dax_ranges.hpp"

#include <cerrno>
#include <iterator>
#include <limits>
#include <sys/types.h>

namespace vfsd::fuse {

namespace {

bool aligned(std::uint64_t v) {
    return v % kMapAlignment == 0;
}

} // namespace

int check_window_range(std::uint64_t window_offset, std::uint64_t length) {
    if (length == 0 || !aligned(window_offset) || !aligned(length) ||
        window_offset + length < window_offset) {
        return EINVAL;
    }
    return 0;
}

int check_setupmapping(const fuse_setupmapping_in& in) {
    constexpr std::uint64_t known = FUSE_SETUPMAPPING_FLAG_READ | FUSE_SETUPMAPPING_FLAG_WRITE;
    constexpr auto max_off = static_cast<std::uint64_t>(std::numeric_limits<off_t>::max());
    if ((in.flags & ~known) != 0 || check_window_range(in.moffset, in.len) != 0 ||
        !aligned(in.foffset) || in.foffset > max_off || in.len > max_off - in.foffset) {
        return EINVAL;
    }
    return 0;
}

std::optional<std::vector<fuse_removemapping_one>> decode_removemapping(SpanReader& in) {
    fuse_removemapping_in head{};
    if (!in.read(head) || head.count == 0 ||
        in.remaining() != std::uint64_t{head.count} * sizeof(fuse_removemapping_one)) {
        return std::nullopt;
    }
    std::vector<fuse_removemapping_one> ranges(head.count);
    for (auto& one : ranges) {
        if (!in.read(one) || check_window_range(one.moffset, one.len) != 0) {
            return std::nullopt;
        }
    }
    return ranges;
}

void DaxRanges::cut_locked(std::uint64_t begin, std::uint64_t end) {
    auto it = ranges_.lower_bound(begin);
    if (it != ranges_.begin()) {
        auto prev = std::prev(it);
        if (prev->second > begin) {
            it = prev;
        }
    }
    while (it != ranges_.end() && it->first < end) {
        const auto [b, e] = *it;
        it = ranges_.erase(it);
        if (b < begin) {
            ranges_.emplace(b, begin);
        }
        if (e > end) {
            ranges_.emplace(end, e);
        }
    }
}

void DaxRanges::add(std::uint64_t offset, std::uint64_t length) {
    std::lock_guard lock(mutex_);
    cut_locked(offset, offset + length);
    ranges_.emplace(offset, offset + length);
}

void DaxRanges::remove(std::uint64_t offset, std::uint64_t length) {
    std::lock_guard lock(mutex_);
    cut_locked(offset, offset + length);
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> DaxRanges::take_all() {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (const auto& [b, e] : ranges_) {
        if (!out.empty() && out.back().first + out.back().second == b) {
            out.back().second += e - b;
        } else {
            out.emplace_back(b, e - b);
        }
    }
    ranges_.clear();
    return out;
}

std::size_t DaxRanges::size() const {
    std::lock_guard lock(mutex_);
    return ranges_.size();
}

} // namespace vfsd::fuse
