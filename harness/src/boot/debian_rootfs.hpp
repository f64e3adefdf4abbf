#pragma once

#include "util/project_paths.hpp"

#include <filesystem>

namespace vfs {

// The default guest root of `boot`: a minimal Debian 12 tree made with
// debootstrap by scripts/debian-rootfs.sh and cached under build/rootfs/,
// keyed by its package list (see that script for what is in it and why).
class DebianRootfs {
public:
    explicit DebianRootfs(const ProjectPaths& paths);

    std::filesystem::path cache_dir() const { return cache_; }
    // Builds the tree unless cached (a few minutes the first time) and returns it.
    std::filesystem::path ensure() const;

private:
    std::filesystem::path script_;
    std::filesystem::path cache_;
};

} // namespace vfs
