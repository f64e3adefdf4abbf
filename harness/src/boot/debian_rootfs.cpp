#include "boot/debian_rootfs.hpp"

#include "util/child_process.hpp"
#include "util/string_util.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace fs = std::filesystem;

namespace vfs {

DebianRootfs::DebianRootfs(const ProjectPaths& paths)
    : script_(paths.root / "scripts" / "debian-rootfs.sh"), cache_(paths.build() / "rootfs"),
      suite_(paths.kernel) {}

fs::path DebianRootfs::ensure() const {
    spdlog::info("boot: default root: minimal Debian {} tree in {} (debootstrap on first use)",
                 suite_, cache_.string());
    // The script reports progress on stderr (passed through) and prints the
    // tree's path on stdout.
    auto out = capture_output({script_.string(), "-s", suite_, cache_.string()});
    auto tree = fs::path(std::string(trim(out)));
    if (tree.empty() || !fs::is_directory(tree)) {
        throw std::runtime_error(
            fmt::format("{} did not produce a tree (said: '{}')", script_.string(), out));
    }
    return tree;
}

} // namespace vfs
