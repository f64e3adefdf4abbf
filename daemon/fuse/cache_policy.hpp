#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vfsd::fuse {

enum class CacheMode { None, Auto, Always };

std::optional<CacheMode> parse_cache_mode(std::string_view text);
std::string_view to_string(CacheMode mode);

// What a cache mode tells the guest (see daemon/README.md for the table).
struct CachePolicy {
    std::uint64_t entry_timeout_sec = 0;
    std::uint64_t attr_timeout_sec = 0;
    std::uint32_t file_open_flags = 0; // FOPEN_* for OPEN and CREATE
    std::uint32_t dir_open_flags = 0;  // FOPEN_* for OPENDIR
    bool writeback = false;            // FUSE_WRITEBACK_CACHE in INIT

    static CachePolicy for_mode(CacheMode mode, bool writeback);
};

} // namespace vfsd::fuse
