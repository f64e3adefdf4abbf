#include "cli/commands.hpp"
#include "util/run_directory.hpp"
#include "vm/guest_session.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace vfs {

int run_command(const ProjectPaths& paths, const RunOptions& opts, const std::string& results) {
    auto parent = results.empty() ? paths.results() : std::filesystem::path(results);
    auto run_dir = make_run_directory(parent, "run-" + opts.transport);
    spdlog::info("run: transport {}, cache {}, timeout {} s, logs in {}", opts.transport,
                 opts.uses_daemon() ? opts.cache : "n/a", opts.timeout_sec, run_dir.string());

    GuestSession session(paths, opts, run_dir);
    GuestSession::Hooks hooks;
    hooks.on_line = [&](std::string_view line, ConsoleMonitor::LineKind kind) {
        echo_console_line(line, kind, opts.quiet);
    };
    auto res = session.run(hooks);

    if (!res.ok()) {
        spdlog::error("run: {}", res.message);
    } else {
        spdlog::info("run: command exited {} after {:.1f} s", res.exit_code, res.seconds);
    }
    if (res.ok() && res.exit_code == 0 && !opts.keep_logs) {
        std::error_code ec;
        std::filesystem::remove_all(run_dir, ec);
    } else {
        spdlog::info("run: logs kept in {}", run_dir.string());
    }
    return res.exit_code;
}

} // namespace vfs
