#include "boot/boot_command.hpp"

#include "boot/debian_rootfs.hpp"
#include "boot/guest_agent.hpp"
#include "boot/root_boot_image.hpp"
#include "boot/root_init.hpp"
#include "util/run_directory.hpp"
#include "util/string_util.hpp"
#include "vm/guest_session.hpp"
#include "vm/run_result.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace fs = std::filesystem;

namespace vfs {

namespace {

// How long the guest's init may take to shut down after the command.
constexpr int kShutdownGraceSec = 90;
// What the kernel prints as its very last line after a clean poweroff.
constexpr std::string_view kPowerDownLine = "reboot: Power down";

// vfs-agent.service only runs under systemd; on any other init the agent
// runs as PID 1 from its wrapper instead, so CMD never waits for a unit that
// nothing starts.  False (after saying why) when neither can work.
bool choose_agent_start(const fs::path& root, RootBootOptions& opts) {
    const auto wanted = init_from_cmdline(opts.append);
    const auto init = detect_root_init(root, wanted);
    if (init.kind == RootInit::Kind::Missing) {
        spdlog::error("boot: {} has no {} (or it is a dangling link): not a root file system",
                      root.string(), wanted);
        return false;
    }
    if (!opts.install_agent || init.kind == RootInit::Kind::Systemd) {
        return true;
    }
    if (opts.append.find("init=") != std::string::npos) {
        spdlog::error("boot: --append sets init={} ({}), which is not systemd: nothing would "
                      "start the agent, so CMD would never run",
                      wanted, init.resolved);
        return false;
    }
    if (!root_has_shell(root)) {
        spdlog::error("boot: {}'s {} is {}, not systemd, so CMD has to run from the agent's "
                      "init wrapper ({}), a shell script; but the tree has no /bin/sh",
                      root.string(), wanted, init.resolved, kAgentInitPath);
        return false;
    }
    spdlog::info("boot: {} is {}, not systemd: CMD runs from the agent's init wrapper (init={}) "
                 "instead of the tree's init",
                 wanted, init.resolved, kAgentInitPath);
    opts.agent_as_init = true;
    return true;
}

} // namespace

bool console_shows_power_down(const std::string& console) {
    return console.find(kPowerDownLine) != std::string::npos;
}

int boot_command(const ProjectPaths& paths, RootBootOptions opts, const std::string& results) {
    fs::path root = opts.root ? fs::absolute(*opts.root) : DebianRootfs(paths).ensure();
    if (!choose_agent_start(root, opts)) {
        return 2;
    }
    if (opts.install_agent) {
        GuestAgent(paths, root).install(opts.run.command);
    }

    auto& run = opts.run;
    run.transport = "ours";
    run.shared = root;
    run.mount = false;
    run.kernel = opts.kernel;
    run.initrd = opts.initrd ? *opts.initrd : ensure_root_boot_image(paths);
    run.cmdline = root_boot_cmdline(opts);
    run.poweroff_grace_sec = kShutdownGraceSec;
    if (run.daemon == "virtiofsd") {
        // A root file system keeps security labels, capabilities and ACLs
        // in extended attributes.
        run.daemon_args.insert(run.daemon_args.begin(), {"-o", "xattr"});
    }

    auto parent = results.empty() ? paths.results() : fs::path(results);
    auto run_dir = make_run_directory(parent, "boot");
    spdlog::info("boot: root {} (tag {}), initramfs {}, logs in {}", root.string(), run.tag,
                 run.initrd->string(), run_dir.string());

    GuestSession session(paths, run, run_dir);
    GuestSession::Hooks hooks;
    hooks.on_line = [&](std::string_view line, ConsoleMonitor::LineKind kind) {
        echo_console_line(line, kind, run.quiet);
    };
    auto res = session.run(hooks);

    int status = res.exit_code;
    if (!res.ok()) {
        spdlog::error("boot: {}", res.message);
    } else if (!console_shows_power_down(read_file(res.console_log.string()))) {
        spdlog::error("boot: command exited {}, but the guest did not shut down cleanly (no "
                      "\"{}\" on the console); console log {}",
                      res.exit_code, kPowerDownLine, res.console_log.string());
        status = kExitGuestCrash;
    } else {
        spdlog::info("boot: command exited {} after {:.1f} s; guest shut down cleanly",
                     res.exit_code, res.seconds);
    }
    if (status == 0 && !run.keep_logs) {
        std::error_code ec;
        fs::remove_all(run_dir, ec);
    } else {
        spdlog::info("boot: logs kept in {}", run_dir.string());
    }
    return status;
}

} // namespace vfs
