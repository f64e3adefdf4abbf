#pragma once

#include "vm/run_options.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace vfs {

struct QemuInputs {
    std::filesystem::path kernel;
    std::filesystem::path initrd;
    std::filesystem::path socket; // vhost-user socket (virtio-fs transports)
    std::filesystem::path shared; // shared dir (9p)
    std::string qemu = "qemu-system-x86_64";
};

// Kernel command line per the guest contract.
std::string kernel_cmdline(const RunOptions& o);
// The daemon's argv (virtiofsd syntax).
std::vector<std::string> daemon_argv(const RunOptions& o, const std::filesystem::path& socket,
                                     const std::filesystem::path& shared);
// QEMU's argv: TCG (KVM does not work on these machines), serial console on
// stdio, no reboot so that poweroff or a panic ends the process.
std::vector<std::string> qemu_argv(const RunOptions& o, const QemuInputs& in);

} // namespace vfs
