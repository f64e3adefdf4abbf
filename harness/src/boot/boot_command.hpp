#pragma once

#include "boot/root_boot_options.hpp"
#include "util/project_paths.hpp"

#include <string>

namespace vfs {

// `vfs-harness boot`: see Documentation/root-on-virtiofs.rst.
int boot_command(const ProjectPaths& paths, RootBootOptions opts, const std::string& results);

// Did the guest power off through its init (the kernel's last words)?
bool console_shows_power_down(const std::string& console);

} // namespace vfs
