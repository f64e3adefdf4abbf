#pragma once

#include "boot/root_boot_options.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace vfs {

// What the `boot` subcommand's command line fills in.
struct BootCliOptions {
    RootBootOptions boot;
    std::string root, initrd, kernel, results;
    std::vector<std::string> command_words;
};

// Declares `vfs-harness boot`, bound to `o` (which must outlive app).
CLI::App* add_boot_subcommand(CLI::App& app, BootCliOptions& o);
// After parsing: fills the derived fields and validates (std::invalid_argument).
void finish_boot_cli(BootCliOptions& o);

} // namespace vfs
