#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <sys/stat.h>
#include <sys/types.h>

namespace vfsd::fs {

// The file system's own vocabulary; it knows nothing of FUSE wire structs.
using NodeId = std::uint64_t;
using HandleId = std::uint64_t;

inline constexpr NodeId kRootNode = 1;

// A name resolved to a node; the caller now holds one lookup reference.
struct Entry {
    NodeId node = 0; // 0: attributes only, no reference taken ("." and ".." in readdirplus)
    std::uint64_t generation = 0;
    struct stat attr {};
};

// Who asked: new files get this owner.
struct Caller {
    uid_t uid = 0;
    gid_t gid = 0;
    pid_t pid = 0;
};

struct AttrChange {
    enum class Time { Keep, Now, Set };
    std::optional<mode_t> mode;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    std::optional<off_t> size;
    Time atime_change = Time::Keep;
    Time mtime_change = Time::Keep;
    timespec atime{};
    timespec mtime{};
    std::optional<HandleId> handle; // operate through this open file if set
};

struct DirEntry {
    std::string_view name;
    std::uint64_t ino = 0;
    unsigned type = 0; // DT_* value
    std::uint64_t next_offset = 0;
};

struct StatFs {
    std::uint64_t blocks = 0, bfree = 0, bavail = 0, files = 0, ffree = 0;
    std::uint32_t bsize = 0, namelen = 0, frsize = 0;
};

} // namespace vfsd::fs
