#pragma once

#include "app/confinement.hpp"
#include "app/sandbox.hpp"
#include "fs/id_map.hpp"
#include "fuse/cache_policy.hpp"
#include "fuse/fault_rule.hpp"

#include <cstdint>
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
    // --thread-pool=queue (default): each request queue has
    // thread_pool_size threads taking turns, a request runs in the thread
    // that popped it; always: one queue thread per queue hands every request
    // to one shared pool of thread_pool_size threads.
    bool thread_pool_shared = false;
    unsigned max_request_queues = 16;
    std::string log_level = "info";
    SandboxMode sandbox = kDefaultSandboxMode;
    SeccompMode seccomp = kDefaultSeccompMode;
    bool drop_capabilities = true;
    // Bytes of the shared-memory version table, 0: none (--version-table).
    std::uint64_t version_table_size = 0;
    // --state-file: where node ids and open handles are kept for a daemon
    // restarted under the same guest (Documentation/vfsd.md, "Restart");
    // empty: none.
    std::string state_file;
    std::vector<fuse::FaultRule> faults;
    // --translate-uid/--translate-gid (Documentation/vfsd.md, "Ownership").
    fs::IdTranslation ids;
    std::vector<std::string> ignored_options; // accepted for virtiofsd compatibility
};

// Result of parsing: a config to run, or an exit code after --help/--version/errors.
struct ParseOutcome {
    std::optional<DaemonConfig> config;
    int exit_code = 0;
};

// The default --version-table size: QEMU's version-table-size=16M.
inline constexpr std::uint64_t kDefaultVersionTableSize = 16 << 20;

// "4096", "64K", "16M", "1G" -> bytes; nullopt if malformed or overflowing.
std::optional<std::uint64_t> parse_size(const std::string& text);

// Accepts virtiofsd's command line (--socket-path, --fd, -o a,b=c, ...).
ParseOutcome parse_command_line(int argc, char** argv);

} // namespace vfsd
