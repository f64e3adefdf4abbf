#pragma once

#include "vm/run_options.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace vfs {

// `vfs-harness boot`: a guest whose root file system is a host directory on
// virtio-fs. The RunOptions part describes the boot (daemon, cache, memory,
// timeout, command); the rest says what to boot.
struct RootBootOptions {
    RunOptions run;
    std::optional<std::filesystem::path> root;   // --root; default: cached debootstrap tree
    std::optional<std::filesystem::path> initrd; // --initrd; default: our root-boot initramfs
    std::optional<std::filesystem::path> kernel; // --kernel; default build/kernel/vmlinuz
    std::string rootflags;                       // --rootflags, passed as rootflags=
    int rootdelay = 20;                          // seconds for the device and daemon to answer
    bool install_agent = true;                   // write vfs-agent into the tree
    bool agent_as_init = false; // the tree's init is not systemd: init= the agent's wrapper
    std::string append;         // --append: more kernel arguments

    // Throws std::invalid_argument naming the option.
    void validate() const;
};

// Where GuestAgent installs the init wrapper, as the guest sees it.
inline constexpr const char* kAgentInitPath = "/usr/local/lib/vfs-agent/init";

// The kernel command line of a root boot: rootfstype=virtiofs root=TAG, the
// guest's init told to start vfs-agent.service (or, with agent_as_init,
// init= the agent's wrapper) and to leave the serial line alone (no getty on
// ttyS0: guest requests use it).
std::string root_boot_cmdline(const RootBootOptions& o);

} // namespace vfs
