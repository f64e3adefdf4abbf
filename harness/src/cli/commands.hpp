#pragma once

#include "cli/cli_options.hpp"
#include "util/project_paths.hpp"

namespace vfs {

// The subcommands; each returns the process exit status.
int image_command(const ProjectPaths& paths, const ImageCommandOptions& opts);
int run_command(const ProjectPaths& paths, const RunOptions& opts, const std::string& results);
int test_command(const ProjectPaths& paths, const TestCommandOptions& opts, const RunOptions& base,
                 const std::string& results);

} // namespace vfs
