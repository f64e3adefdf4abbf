#pragma once

#include <filesystem>
#include <string>

namespace vfs {

// What the guest tree's init is, as far as `boot` cares: vfs-agent.service
// only runs under systemd; any other init (busybox, sysvinit, a script) gets
// the agent's own init wrapper instead.
struct RootInit {
    enum class Kind { Missing, Systemd, Other };
    Kind kind = Kind::Missing;
    std::string path;     // as the kernel runs it, e.g. /sbin/init
    std::string resolved; // in the guest's namespace after its symlinks
};

// Resolves `init` (an absolute guest path) inside `root` without ever leaving
// the tree: an absolute link target is taken relative to `root`, as the guest
// sees it. A loop or a dangling link is Missing.
RootInit detect_root_init(const std::filesystem::path& root, const std::string& init);

// The init= word in a kernel command line (the last one wins), else /sbin/init.
std::string init_from_cmdline(const std::string& cmdline);

// Whether `root` holds a /bin/sh the wrapper can run under (after symlinks).
bool root_has_shell(const std::filesystem::path& root);

} // namespace vfs
