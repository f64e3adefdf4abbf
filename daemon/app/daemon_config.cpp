#include "app/daemon_config.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <iostream>
#include <tuple>

#ifndef VFSD_VERSION
#define VFSD_VERSION "0.1"
#endif

namespace vfsd {

std::optional<std::uint64_t> parse_size(const std::string& text) {
    std::size_t used = 0;
    std::uint64_t value;
    try {
        if (text.empty() || text[0] == '-') {
            return std::nullopt;
        }
        value = std::stoull(text, &used, 10);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string suffix = text.substr(used);
    unsigned shift = 0;
    if (suffix == "K" || suffix == "k") {
        shift = 10;
    } else if (suffix == "M") {
        shift = 20;
    } else if (suffix == "G") {
        shift = 30;
    } else if (!suffix.empty()) {
        return std::nullopt;
    }
    if (shift != 0 && value > (~std::uint64_t{0} >> shift)) {
        return std::nullopt;
    }
    return value << shift;
}

namespace {

// Applies --version-table's or -o version_table's SIZE (empty: the default).
std::string set_version_table(DaemonConfig& config, const std::string& value) {
    const auto size = value.empty() ? std::optional(kDefaultVersionTableSize) : parse_size(value);
    if (!size || *size == 0 || *size % 4096 != 0) {
        return fmt::format("invalid version table size '{}' (a multiple of 4K, e.g. 16M)", value);
    }
    config.version_table_size = *size;
    return {};
}

// virtiofsd -o options we take without acting on them.
bool is_ignored_option(const std::string& key) {
    static const char* const ignored[] = {
        "posix_lock",         "no_posix_lock", "flock",
        "no_flock",           "timeout",       "norace",
        "announce_submounts", "killpriv_v2",   "no_killpriv_v2",
        "xattrmap",           "modcaps",       "allow_direct_io",
        "no_allow_direct_io", "allow_root",    "default_permissions",
        "no_writeback_cache"};
    for (const char* name : ignored) {
        if (key == name) {
            return true;
        }
    }
    return false;
}

// Applies one "-o key[=value]"; an error message if it is not understood.
std::string apply_option(DaemonConfig& config, const std::string& option) {
    const auto eq = option.find('=');
    const std::string key = option.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : option.substr(eq + 1);
    if (key == "source") {
        config.source = value;
    } else if (key == "cache") {
        auto mode = fuse::parse_cache_mode(value);
        if (!mode) {
            return fmt::format("invalid cache mode '{}' (none, auto, always)", value);
        }
        config.cache = *mode;
    } else if (key == "writeback") {
        config.writeback = true;
    } else if (key == "no_writeback") {
        config.writeback = false;
    } else if (key == "xattr") {
        config.xattr = true;
    } else if (key == "no_xattr") {
        config.xattr = false;
    } else if (key == "readdirplus") {
        config.readdirplus = true;
    } else if (key == "no_readdirplus") {
        config.readdirplus = false;
    } else if (key == "sandbox") {
        auto mode = parse_sandbox_mode(value);
        if (!mode) {
            return fmt::format("invalid sandbox '{}' (namespace, chroot, none)", value);
        }
        config.sandbox = *mode;
    } else if (key == "log_level") {
        if (value != "debug" && value != "info" && value != "warn" && value != "err" &&
            value != "trace") {
            return fmt::format("invalid log_level '{}'", value);
        }
        config.log_level = value;
    } else if (key == "version_table") {
        return set_version_table(config, value);
    } else if (key == "no_version_table") {
        config.version_table_size = 0;
    } else if (is_ignored_option(key)) {
        config.ignored_options.push_back(option);
    } else if (!option.empty()) {
        return fmt::format("unknown option '-o {}'", option);
    }
    return {};
}

} // namespace

ParseOutcome parse_command_line(int argc, char** argv) {
    DaemonConfig config;
    CLI::App app{"vfsd: vhost-user virtio-fs daemon sharing a host directory with a guest"};
    app.set_version_flag("-V,--version", std::string("vfsd ") + VFSD_VERSION);
    std::vector<std::string> options;
    int fd = -1;
    bool foreground = false, debug = false, syslog = false, print_caps = false;
    std::vector<std::string> injects;
    std::string seccomp = kDefaultSeccompMode == SeccompMode::Kill ? "kill" : "none";
    std::string sandbox;
    std::string pool_policy = "queue";
    bool keep_caps = false;
    std::vector<std::string> version_table;
    std::string socket_group;
    std::vector<std::string> translate_uid, translate_gid;
    unsigned long rlimit_nofile = 0;
    app.add_option("--socket-path", config.socket_path, "vhost-user socket to listen on");
    app.add_option("--fd", fd, "inherited, already listening vhost-user socket");
    app.add_option("-o", options,
                   "options: source=DIR, cache=none|auto|always, writeback, "
                   "no_writeback, xattr, no_xattr, sandbox=MODE, version_table[=SIZE], "
                   "log_level=LEVEL")
        ->delimiter(',')
        ->allow_extra_args(false);
    app.add_option("--thread-pool-size", config.thread_pool_size,
                   "threads for file operations: per request queue (queue), or in all "
                   "(always); 0: one thread per queue runs every request");
    app.add_option("--thread-pool", pool_policy,
                   "queue (default): each request queue's threads take turns, a request runs "
                   "in the thread that took it; always: every request is handed to one "
                   "shared pool")
        ->check(CLI::IsMember({"queue", "always"}));
    app.add_option("--max-request-queues", config.max_request_queues,
                   "request queues offered to the frontend (1-16)")
        ->check(CLI::Range(1, 16));
    app.add_option("--inject", injects,
                   "fault injection rule KIND[=VALUE][:OPCODE][@N] (repeatable; testing only): "
                   "error=ERRNO, delay=MS, drop, bad-len, bad-unique, no-reply");
    app.add_option("--sandbox", sandbox,
                   "confinement: namespace (default), chroot or none; same as -o sandbox=")
        ->check(CLI::IsMember({"namespace", "chroot", "none"}));
    app.add_option("--seccomp", seccomp,
                   "system call filter: kill (default), trap (report and abort), log or none")
        ->check(CLI::IsMember({"none", "log", "trap", "kill"}));
    app.add_option("--version-table", version_table,
                   "shared-memory version table of SIZE bytes (default 16M) for guests to check "
                   "cached metadata against (needs CAP_SYS_ADMIN; QEMU's "
                   "version-table-size= must be at least as large)")
        ->expected(0, 1)
        ->type_name("[SIZE]");
    app.add_option("--state-file", config.state_file,
                   "keep the guest's node ids and open files in PATH, and take them back "
                   "when started again while the guest is running (needs QEMU that reconnects)");
    app.add_option("--translate-uid", translate_uid,
                   "map uids between guest and host, virtiofsd's TYPE:SOURCE:TARGET:COUNT "
                   "(repeatable): map:GUEST:HOST:N, guest:GUEST:HOST:N, host:HOST:GUEST:N, "
                   "squash-guest:GUEST:HOST:N, squash-host:HOST:GUEST:N, forbid-guest:GUEST:N")
        ->allow_extra_args(false);
    app.add_option("--translate-gid", translate_gid, "the same as --translate-uid, for gids")
        ->allow_extra_args(false);
    app.add_flag("--keep-capabilities", keep_caps,
                 "do not drop the capabilities a passthrough server does not need");
    app.add_flag("-f,--foreground", foreground, "ignored: vfsd always stays in the foreground");
    app.add_flag("-d,--debug", debug, "same as -o log_level=debug");
    app.add_flag("--syslog", syslog, "ignored: logs go to stderr");
    app.add_flag("--print-capabilities", print_caps, "print vhost-user backend capabilities");
    app.add_option("--socket-group", socket_group, "ignored");
    app.add_option("--rlimit-nofile", rlimit_nofile, "ignored: the limit is raised to the maximum");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return ParseOutcome{std::nullopt, app.exit(e)};
    }
    if (print_caps) {
        std::cout << "{\n  \"type\": \"fs\"\n}\n";
        return ParseOutcome{std::nullopt, 0};
    }
    for (const auto& o : options) {
        if (auto err = apply_option(config, o); !err.empty()) {
            std::cerr << "vfsd: " << err << "\n";
            return ParseOutcome{std::nullopt, 1};
        }
    }
    for (const auto& text : injects) {
        std::string err;
        auto rule = fuse::FaultRule::parse(text, &err);
        if (!rule) {
            std::cerr << "vfsd: " << err << "\n";
            return ParseOutcome{std::nullopt, 1};
        }
        config.faults.push_back(*rule);
    }
    for (const auto& [specs, map, what] : {std::tuple{&translate_uid, &config.ids.uids, "uid"},
                                           std::tuple{&translate_gid, &config.ids.gids, "gid"}}) {
        for (const auto& spec : *specs) {
            if (auto err = map->add(spec)) {
                std::cerr << "vfsd: --translate-" << what << ": " << *err << "\n";
                return ParseOutcome{std::nullopt, 1};
            }
        }
    }
    if (app.count("--version-table") > 0) {
        const std::string value = version_table.empty() ? "" : version_table.back();
        if (auto err = set_version_table(config, value); !err.empty()) {
            std::cerr << "vfsd: " << err << "\n";
            return ParseOutcome{std::nullopt, 1};
        }
    }
    if (!sandbox.empty()) {
        config.sandbox = *parse_sandbox_mode(sandbox);
    }
    config.seccomp = *parse_seccomp_mode(seccomp);
    config.drop_capabilities = !keep_caps;
    config.thread_pool_shared = pool_policy == "always" && config.thread_pool_size > 0;
    if (debug) {
        config.log_level = "debug";
    }
    if (fd >= 0) {
        config.socket_fd = fd;
    }
    if (config.socket_path.empty() && !config.socket_fd) {
        std::cerr << "vfsd: --socket-path or --fd is required\n";
        return ParseOutcome{std::nullopt, 1};
    }
    if (config.source.empty()) {
        std::cerr << "vfsd: -o source=DIR is required\n";
        return ParseOutcome{std::nullopt, 1};
    }
    if (foreground) {
        config.ignored_options.push_back("-f");
    }
    if (syslog) {
        config.ignored_options.push_back("--syslog");
    }
    return ParseOutcome{std::move(config), 0};
}

} // namespace vfsd
