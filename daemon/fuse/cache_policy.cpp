#include "fuse/cache_policy.hpp"

#include <linux/fuse.h>

namespace vfsd::fuse {

std::optional<CacheMode> parse_cache_mode(std::string_view text) {
    if (text == "none" || text == "never") {
        return CacheMode::None;
    }
    if (text == "auto") {
        return CacheMode::Auto;
    }
    if (text == "always") {
        return CacheMode::Always;
    }
    return std::nullopt;
}

std::string_view to_string(CacheMode mode) {
    switch (mode) {
    case CacheMode::None:
        return "none";
    case CacheMode::Auto:
        return "auto";
    case CacheMode::Always:
        return "always";
    }
    return "?";
}

CachePolicy CachePolicy::for_mode(CacheMode mode, bool writeback) {
    CachePolicy p;
    p.writeback = writeback;
    switch (mode) {
    case CacheMode::None:
        // Every lookup, getattr and read/write goes to the host.
        p.file_open_flags = FOPEN_DIRECT_IO;
        break;
    case CacheMode::Auto:
        // Metadata cached for 1 s; page cache dropped at each open
        // (close-to-open consistency).
        p.entry_timeout_sec = 1;
        p.attr_timeout_sec = 1;
        break;
    case CacheMode::Always:
        // The guest owns the cache: nothing expires (one day) and opens keep pages.
        p.entry_timeout_sec = 86400;
        p.attr_timeout_sec = 86400;
        p.file_open_flags = FOPEN_KEEP_CACHE;
        p.dir_open_flags = FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR;
        break;
    }
    return p;
}

} // namespace vfsd::fuse
