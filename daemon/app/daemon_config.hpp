#pragma once

#include "app/confinement.hpp"
#include "app/sandbox.hpp"
#include "fuse/cache_policy.hpp"
#include "fuse/fault_rule.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace vfsd {

// Everything the command line decides.
struct DaemonConfig {
    std::string socket_path;
    std::optional<int> socket_fd;
    std::string source;
    fuse::CacheMode cache = fuse::CacheMode::Auto; // virtiofsd's default
    bool writeback = false;
    bool xattr = true;
    bool readdirplus = true;
    unsigned thread_pool_size = 4;
    unsigned max_request_queues = 16;
    std::string log_level = "info";
    SandboxMode sandbox = kDefaultSandboxMode;
    SeccompMode seccomp = kDefaultSeccompMode;
    bool drop_capabilities = true;
    std::vector<fuse::FaultRule> faults;
    std::vector<std::string> ignored_options; // accepted for virtiofsd compatibility
};

// Result of parsing: a config to run, or an exit code after --help/--version/errors.
struct ParseOutcome {
    std::optional<DaemonConfig> config;
    int exit_code = 0;
};

// Accepts virtiofsd's command line (--socket-path, --fd, -o a,b=c, ...).
ParseOutcome parse_command_line(int argc, char** argv);

} // namespace vfsd
