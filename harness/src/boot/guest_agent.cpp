#include "boot/guest_agent.hpp"

#include "util/string_util.hpp"

#include <fmt/format.h>
#include <stdexcept>

namespace fs = std::filesystem;

namespace vfs {

GuestAgent::GuestAgent(const ProjectPaths& paths, fs::path root)
    : paths_(paths), root_(std::move(root)) {}

void GuestAgent::install(const std::string& command) const {
    const auto guest_src = paths_.root / "harness" / "guest";
    // Never follow a symlink in the guest's tree out to the host: the tree
    // is the guest's, its absolute links point into the guest.
    for (const auto& d : {root_ / "usr/local/lib", root_ / "etc/systemd/system"}) {
        if (fs::is_symlink(d) || fs::is_symlink(d.parent_path())) {
            throw std::runtime_error(
                fmt::format("{} is a symlink; not installing the agent there", d.string()));
        }
        fs::create_directories(d);
    }
    const auto dir = this->dir();
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir / "tests");
    fs::copy_file(guest_src / "vfs-agent", dir / "agent");
    fs::permissions(dir / "agent", fs::perms(0755));
    fs::copy_file(guest_src / "vfs-agent-init", dir / "init");
    fs::permissions(dir / "init", fs::perms(0755));
    fs::remove(unit(), ec);
    fs::copy_file(guest_src / "vfs-agent.service", unit());
    write_file((dir / "run.sh").string(), "#!/bin/sh\n" + command + "\n");
    fs::permissions(dir / "run.sh", fs::perms(0755));
    if (fs::is_directory(paths_.guest_build())) {
        fs::copy(paths_.guest_build(), dir / "tests",
                 fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    }
}

} // namespace vfs
