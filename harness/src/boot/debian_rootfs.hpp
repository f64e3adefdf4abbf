#pragma once

#include "util/project_paths.hpp"

#include <filesystem>
#include <string>

namespace vfs {

// The default guest root of `boot`: a minimal Debian tree of the guest
// kernel's release (bookworm for 6.1, trixie for 6.12: the kernel word is the
// suite) made with debootstrap by scripts/debian-rootfs.sh and cached under
// build/rootfs/, keyed by suite and package list (see that script for what is
// in it and why).
class DebianRootfs {
public:
    explicit DebianRootfs(const ProjectPaths& paths);

    std::filesystem::path cache_dir() const { return cache_; }
    // Builds the tree unless cached (a few minutes the first time) and returns it.
    std::filesystem::path ensure() const;

private:
    std::filesystem::path script_;
    std::filesystem::path cache_;
    std::string suite_;
};

} // namespace vfs
