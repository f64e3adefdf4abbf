#pragma once

#include "util/project_paths.hpp"

#include <filesystem>
#include <string>

namespace vfs {

// The guest half of `boot`, written into the guest's root tree before the
// boot: the unit /etc/systemd/system/vfs-agent.service (started only when
// the kernel command line says systemd.wants=vfs-agent.service) and
// /usr/local/lib/vfs-agent/ with the agent script, init (the wrapper that
// runs it as PID 1 on a root whose init is not systemd), run.sh (the
// command) and tests/ (a copy of build/guest/, the in-guest test programs).
class GuestAgent {
public:
    GuestAgent(const ProjectPaths& paths, std::filesystem::path root);

    // Replaces whatever an earlier boot left there.
    void install(const std::string& command) const;
    std::filesystem::path dir() const { return root_ / "usr/local/lib/vfs-agent"; }
    std::filesystem::path unit() const { return root_ / "etc/systemd/system/vfs-agent.service"; }

private:
    ProjectPaths paths_;
    std::filesystem::path root_;
};

} // namespace vfs
