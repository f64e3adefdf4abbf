#pragma once

// What a host directory holds, to show a test left it as it was: every entry
// below it with its type, mode, link count, size, mtime and ctime (ns) and,
// for regular files and symlinks, the contents.
#include "vfsd_process.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <string>
#include <sys/stat.h>

namespace vfsd::test {

inline std::map<std::string, std::string> host_snapshot(const std::filesystem::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        struct stat st {};
        ::lstat(e.path().c_str(), &st);
        std::string what = fmt::format("mode {:o} nlink {} size {} mtime {}.{} ctime {}.{}",
                                       st.st_mode, st.st_nlink, st.st_size, st.st_mtim.tv_sec,
                                       st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
        if (S_ISREG(st.st_mode)) {
            what += " data " + read_text(e.path());
        } else if (S_ISLNK(st.st_mode)) {
            what += " target " + std::filesystem::read_symlink(e.path()).string();
        }
        out[std::filesystem::relative(e.path(), dir).string()] = what;
    }
    return out;
}

} // namespace vfsd::test
