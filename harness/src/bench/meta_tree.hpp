#pragma once

#include "util/project_paths.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace vfs {

// The metadata benchmark's source tree: subtrees of Debian's linux-source
// tarball (fs/ has the 2078 files of issue 10's measurement), committed into
// a fresh git repository, then every 50th file appended to, so that git
// status and git diff --stat have changes to find and find -newer matches
// something.  Made once, cached under build/meta-tree/; each column gets its
// own copy so that no column sees another's index or caches.
class MetaTree {
public:
    MetaTree(const ProjectPaths& paths, std::vector<std::string> subtrees);

    // The cached tree, made on first use (about a minute: the tarball is xz).
    // Throws std::runtime_error with what is missing.
    std::filesystem::path ensure() const;
    // Copies the cached tree to DIR/tree (DIR is the column's share).
    void copy_to(const std::filesystem::path& dir) const;

private:
    std::filesystem::path cache_dir() const;

    ProjectPaths paths_;
    std::vector<std::string> subtrees_;
};

// The linux-source tarball: /usr/src/linux-source-*.tar.xz (newest).
std::filesystem::path linux_source_tarball();

} // namespace vfs
