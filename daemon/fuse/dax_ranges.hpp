#pragma once

#include "fuse/span_reader.hpp"

#include <cstdint>
#include <linux/fuse.h>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace vfsd::fuse {

// FUSE_INIT's map_alignment: window and file offsets and lengths of
// mappings are multiples of the host page size.
inline constexpr std::uint16_t kMapAlignmentLog2 = 12;
inline constexpr std::uint64_t kMapAlignment = std::uint64_t{1} << kMapAlignmentLog2;

// The fh a 6.1 guest sends: it maps by node, not by open file.
inline constexpr std::uint64_t kNoHandle = ~std::uint64_t{0};

// 0 or EINVAL: length non-zero, offsets and length aligned, no overflow.
int check_window_range(std::uint64_t window_offset, std::uint64_t length);
// 0 or EINVAL for a whole FUSE_SETUPMAPPING argument (flags known, file range
// representable as off_t).
int check_setupmapping(const fuse_setupmapping_in& in);
// The ranges of a FUSE_REMOVEMAPPING body (count, then exactly count entries,
// each valid); nullopt if malformed.
std::optional<std::vector<fuse_removemapping_one>> decode_removemapping(SpanReader& in);

// The window ranges currently mapped, so they can all be unmapped when the
// session ends.  Thread safe.
class DaxRanges {
public:
    void add(std::uint64_t offset, std::uint64_t length);
    void remove(std::uint64_t offset, std::uint64_t length);
    // Everything mapped, adjacent ranges merged; the set is empty afterwards.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> take_all();
    std::size_t size() const;

private:
    void cut_locked(std::uint64_t begin, std::uint64_t end);

    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::uint64_t> ranges_; // begin -> end, disjoint
};

} // namespace vfsd::fuse
