#include "boot/root_boot_options.hpp"

#include <fmt/format.h>
#include <stdexcept>

namespace fs = std::filesystem;

namespace vfs {

void RootBootOptions::validate() const {
    run.validate();
    if (root) {
        std::error_code ec;
        if (!fs::is_directory(*root, ec)) {
            throw std::invalid_argument(
                fmt::format("--root: '{}' is not a directory", root->string()));
        }
        if (fs::equivalent(*root, "/", ec)) {
            throw std::invalid_argument("--root: refusing to boot the host's own / as a guest");
        }
    }
    if (rootflags.find_first_of(" \t\"'") != std::string::npos) {
        throw std::invalid_argument(
            fmt::format("--rootflags: '{}' must not contain spaces or quotes", rootflags));
    }
    if (rootdelay < 1 || rootdelay > 3600) {
        throw std::invalid_argument(
            fmt::format("--rootdelay: {} is out of range 1..3600", rootdelay));
    }
    for (const auto* f : {&initrd, &kernel}) {
        if (*f && !fs::is_regular_file(**f)) {
            throw std::invalid_argument(fmt::format("'{}' is not a file", (*f)->string()));
        }
    }
}

std::string root_boot_cmdline(const RootBootOptions& o) {
    auto s = fmt::format("console=ttyS0 loglevel=4 panic=-1 rootfstype=virtiofs root={} rw "
                         "rootdelay={}",
                         o.run.tag, o.rootdelay);
    if (!o.rootflags.empty()) {
        s += " rootflags=" + o.rootflags;
    }
    if (o.install_agent && o.agent_as_init) {
        s += fmt::format(" init={}", kAgentInitPath);
    } else if (o.install_agent) {
        s += " systemd.wants=vfs-agent.service";
    }
    // No getty on the serial line (guest requests use it), none on the
    // virtual consoles either (there is no display): fewer processes that
    // shutdown has to signal, see Documentation/root-on-virtiofs.rst.
    s += " systemd.mask=serial-getty@ttyS0.service systemd.mask=getty.target";
    if (!o.append.empty()) {
        s += " " + o.append;
    }
    return s;
}

} // namespace vfs
