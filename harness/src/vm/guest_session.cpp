#include "vm/guest_session.hpp"

#include "daemon/host_daemon.hpp"
#include "image/image_builder.hpp"
#include "image/image_layout.hpp"
#include "util/child_process.hpp"
#include "util/interrupt.hpp"
#include "util/line_splitter.hpp"
#include "util/string_util.hpp"
#include "util/temp_dir.hpp"
#include "vm/guest_request_handler.hpp"
#include "vm/qemu_command.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <optional>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono;

namespace vfs {

namespace {

// Timeouts that are not the user's: how long a daemon may take to create its
// socket, how long poweroff may take, how long a guest may limp on after an oops.
constexpr auto kDaemonStartLimit = seconds(15);
// After init called poweroff -f, QEMU normally exits at once; it does not when
// its vhost-user backend is gone (kill-daemon), so do not wait long.
constexpr auto kAfterPoweroffGrace = seconds(4);
constexpr auto kAfterCrashGrace = seconds(30);
constexpr auto kDaemonExitGrace = seconds(3);
constexpr auto kAfterDaemonDeathGrace = seconds(20);

fs::path scratch_parent() {
    // tmpfs: the default shared dir and the combined initrd live in memory.
    std::error_code ec;
    return fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
}

void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return; // QEMU is gone; the main loop notices EOF
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

std::string quote_argv(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) {
        if (!s.empty()) {
            s += ' ';
        }
        bool plain = a.find_first_of(" \t'\"$\\;&|<>()*?") == std::string::npos && !a.empty();
        if (plain) {
            s += a;
        } else {
            s += '\'';
            for (char c : a) {
                s += c == '\'' ? std::string("'\\''") : std::string(1, c);
            }
            s += '\'';
        }
    }
    return s;
}

} // namespace

GuestSession::GuestSession(ProjectPaths paths, RunOptions options, fs::path run_dir)
    : paths_(std::move(paths)), opts_(std::move(options)), run_dir_(std::move(run_dir)) {}

namespace {

// The crash happened before the command began and its oops names no module.
bool crashed_before_modules(const RunResult& r) {
    if (r.outcome != RunResult::Outcome::Crash) {
        return false;
    }
    std::ifstream in(r.console_log);
    std::string line;
    bool bare_modules_line = false;
    while (std::getline(in, line)) {
        if (line.find("@@VFS-BEGIN") != std::string::npos) {
            return false;
        }
        auto at = line.find("Modules linked in:");
        if (at != std::string::npos) {
            if (!trim(std::string_view(line).substr(at + 18)).empty()) {
                return false;
            }
            bare_modules_line = true;
        }
    }
    return bare_modules_line;
}

} // namespace

RunResult GuestSession::run(const Hooks& hooks) {
    auto res = boot(hooks);
    if (!crashed_before_modules(res)) {
        return res;
    }
    spdlog::warn("guest kernel crashed while booting, before any module was loaded ({}); "
                 "booting once more",
                 res.message);
    std::error_code ec;
    fs::rename(res.console_log, run_dir_ / "console-early-crash.log", ec);
    if (hooks.on_reboot) {
        hooks.on_reboot();
    }
    return boot(hooks);
}

RunResult GuestSession::boot(const Hooks& hooks) {
    const auto start = steady_clock::now();
    RunResult res;
    res.run_dir = run_dir_;
    res.console_log = run_dir_ / "console.log";
    res.qemu_log = run_dir_ / "qemu.log";
    auto finish = [&](RunResult::Outcome o, int code, std::string msg) {
        res.outcome = o;
        res.exit_code = code;
        res.message = std::move(msg);
        res.seconds = duration<double>(steady_clock::now() - start).count();
        std::ofstream(run_dir_ / "result.json") << res.to_json().dump(2) << "\n";
        return res;
    };

    const auto kernel = opts_.kernel.value_or(paths_.vmlinuz());
    if (!opts_.initrd && !fs::exists(paths_.image())) {
        throw std::runtime_error(fmt::format(
            "{} does not exist: run `vfs-harness image` (or make image)", paths_.image().string()));
    }
    if (!fs::exists(kernel)) {
        throw std::runtime_error(
            fmt::format("{} does not exist: run `make kernel`", kernel.string()));
    }

    TempDir scratch(scratch_parent(), "vfs-run-");
    fs::path shared;
    if (opts_.shared) {
        shared = fs::absolute(*opts_.shared);
    } else {
        shared = scratch.path() / "shared";
        fs::create_directory(shared);
    }
    res.shared_dir = shared;
    auto initrd = scratch.path() / "initrd.img";
    if (opts_.initrd) {
        initrd = *opts_.initrd; // the command reaches the guest some other way
    } else {
        write_combined_initrd(paths_.image(), make_run_archive(opts_.command), initrd);
    }

    std::ofstream cmdlines(run_dir_ / "commands.txt");
    cmdlines << "# guest command\n" << opts_.command << "\n";

    const auto socket = scratch.path() / "vhost-fs.sock";
    if (!opts_.daemon_user.empty()) {
        // An unprivileged daemon creates its socket here.
        const auto [uid, gid] = parse_daemon_user(opts_.daemon_user);
        if (::chown(scratch.path().c_str(), uid, gid) != 0) {
            return finish(RunResult::Outcome::SetupFailed, kExitGuestCrash,
                          fmt::format("chown {} to {}: {}", scratch.path().string(),
                                      opts_.daemon_user, std::strerror(errno)));
        }
    }
    std::optional<HostDaemon> daemon;
    if (opts_.uses_daemon()) {
        res.daemon_log = run_dir_ / "daemon.log";
        auto argv = daemon_argv(opts_, socket, shared);
        cmdlines << "# daemon\n" << quote_argv(argv) << "\n";
        cmdlines.flush();
        try {
            daemon.emplace(argv, socket, res.daemon_log);
            daemon->wait_ready(kDaemonStartLimit);
        } catch (const std::exception& e) {
            return finish(RunResult::Outcome::SetupFailed, kExitGuestCrash,
                          fmt::format("daemon failed to start: {}", e.what()));
        }
    }

    QemuInputs qin{kernel, initrd, socket, shared};
    auto qopts = opts_;
    if (qopts.transport == "ours") {
        qopts.kernel_args = our_module_kernel_args(paths_.modules_dir());
    }
    auto qargv = qemu_argv(qopts, qin);
    cmdlines << "# qemu\n" << quote_argv(qargv) << "\n";
    cmdlines.close();

    SpawnSpec qspec;
    qspec.argv = qargv;
    qspec.in = StreamSpec::pipe();
    qspec.out = StreamSpec::pipe();
    qspec.err = StreamSpec::to_file(res.qemu_log.string());
    ChildProcess qemu(qspec);

    std::ofstream console(res.console_log);
    ConsoleMonitor monitor;
    bool daemon_kill_requested = false;
    std::string daemon_death; // set when the daemon died without being asked to
    GuestRequestHandler requests(shared, [&]() -> std::string {
        if (!daemon) {
            return "this transport has no daemon";
        }
        daemon_kill_requested = true;
        daemon->kill();
        return "";
    });
    int daemon_restarts = 0;
    if (opts_.daemon_reconnect && daemon) {
        // SIGKILL, then the same command line again (or the upgrade binary):
        // QEMU reconnects by itself and the guest must not notice.
        requests.on_restart([&](bool upgrade) -> std::string {
            auto argv = daemon_argv(opts_, socket, shared);
            if (upgrade) {
                if (opts_.daemon_upgrade.empty()) {
                    return "no --daemon-upgrade binary";
                }
                argv[0] = opts_.daemon_upgrade;
            }
            daemon->kill();
            // So that wait_ready() waits for the new daemon's socket.
            std::error_code ec;
            fs::remove(socket, ec);
            ++daemon_restarts;
            const auto log = run_dir_ / fmt::format("daemon-{}.log", daemon_restarts);
            try {
                daemon.emplace(argv, socket, log);
                daemon->wait_ready(kDaemonStartLimit);
            } catch (const std::exception& e) {
                return e.what();
            }
            spdlog::info("daemon restarted ({}{}), log {}", daemon_restarts,
                         upgrade ? ", upgraded binary" : "", log.string());
            return "";
        });
    }
    LineSplitter splitter([&](std::string_view line) {
        console << line << '\n';
        auto kind = monitor.feed(line);
        if (hooks.on_line) {
            hooks.on_line(line, kind);
        }
        if (line.find(kRequestMarker) != std::string_view::npos) {
            auto reply = requests.handle_line(line);
            if (!reply.empty()) {
                write_all(qemu.stdin_pipe().get(), reply);
                console << "[vfs-harness replied] " << reply;
            }
        }
        console.flush();
    });

    auto deadline = start + seconds(opts_.timeout_sec);
    bool shortened_for_crash = false;
    bool shortened_for_poweroff = false;
    bool shortened_after_poweroff = false;
    bool timed_out = false;
    auto last_tick = steady_clock::now();
    char buf[65536];
    for (;;) {
        if (interrupted()) {
            qemu.kill_and_reap();
            splitter.flush();
            return finish(RunResult::Outcome::Interrupted, 130, "interrupted");
        }
        auto now = steady_clock::now();
        if (monitor.crashed() && !shortened_for_crash) {
            shortened_for_crash = true;
            deadline = std::min(deadline, now + kAfterCrashGrace);
        }
        // A daemon that dies on its own leaves the guest waiting forever; do
        // not make the user wait for the full timeout. (It exits normally
        // only once QEMU disconnects, i.e. after the dmesg section.)
        if (daemon && daemon_death.empty() && !daemon_kill_requested && !monitor.dmesg_complete()) {
            if (auto st = daemon->exit_status()) {
                daemon_death = fmt::format("daemon died unexpectedly ({})",
                                           ChildProcess::describe_status(*st));
                spdlog::warn("{}; giving the guest {} s", daemon_death,
                             kAfterDaemonDeathGrace.count());
                deadline = std::min(deadline, now + kAfterDaemonDeathGrace);
            }
        }
        if (monitor.poweroff_started() && !shortened_after_poweroff) {
            shortened_after_poweroff = true;
            deadline = std::min(deadline, now + kAfterPoweroffGrace);
        }
        if (monitor.dmesg_complete() && !shortened_for_poweroff) {
            shortened_for_poweroff = true;
            // After a setup failure the guest may sit in a rescue shell.
            auto grace =
                monitor.setup_failure().empty()
                    ? duration_cast<steady_clock::duration>(seconds(opts_.poweroff_grace_sec))
                    : duration_cast<steady_clock::duration>(kAfterPoweroffGrace);
            deadline = std::min(deadline, now + grace);
        }
        if (now >= deadline) {
            timed_out = !monitor.dmesg_complete();
            if (!timed_out) {
                // Not a test failure (the command finished), but worth knowing:
                // sync/umount/poweroff got stuck, e.g. after kill-daemon.
                if (daemon_kill_requested) {
                    spdlog::debug("QEMU did not exit after poweroff with its daemon gone; killed");
                } else {
                    spdlog::warn("guest did not power off within {} s after its dmesg; QEMU killed",
                                 opts_.poweroff_grace_sec);
                }
                console << "[vfs-harness] guest did not power off; QEMU killed\n";
            }
            break;
        }
        if (hooks.on_tick && now - last_tick >= seconds(1)) {
            last_tick = now;
            hooks.on_tick();
        }
        auto wait_ms = duration_cast<milliseconds>(
            std::min<steady_clock::duration>(deadline - now, seconds(1)));
        pollfd pfd{qemu.stdout_pipe().get(), POLLIN, 0};
        int pr = ::poll(&pfd, 1, static_cast<int>(std::max<long>(wait_ms.count(), 1)));
        if (pr < 0 && errno == EINTR) {
            continue;
        }
        if (pr <= 0) {
            continue;
        }
        ssize_t n = ::read(pfd.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break; // QEMU closed its stdout: it exited
        }
        splitter.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    splitter.flush();

    std::optional<int> qemu_status = qemu.wait_for(milliseconds(timed_out ? 0 : 2000));
    if (!qemu_status) {
        qemu.kill_and_reap();
    }
    if (daemon) {
        daemon->stop(kDaemonExitGrace);
    }
    res.output = monitor.command_output();
    res.crash_line = monitor.crash_line();

    if (timed_out && !daemon_death.empty()) {
        return finish(RunResult::Outcome::Crash, kExitGuestCrash,
                      fmt::format("guest stuck after the {}; console log {}; daemon log {}:\n{}",
                                  daemon_death, res.console_log.string(), res.daemon_log.string(),
                                  tail_of_file(res.daemon_log, 5)));
    }
    if (timed_out) {
        return finish(RunResult::Outcome::Timeout, kExitTimeout,
                      fmt::format("timed out after {} s; QEMU and daemon killed; console log {}",
                                  opts_.timeout_sec, res.console_log.string()));
    }
    if (monitor.panicked() || monitor.crashed()) {
        return finish(RunResult::Outcome::Crash, kExitGuestCrash,
                      fmt::format("guest kernel {}: \"{}\"; console log {}",
                                  monitor.panicked() ? "panic" : "oops/warning",
                                  std::string(trim(monitor.crash_line())),
                                  res.console_log.string()));
    }
    if (!monitor.setup_failure().empty()) {
        return finish(RunResult::Outcome::SetupFailed, kExitGuestCrash,
                      fmt::format("guest setup failed: {}; console log {}", monitor.setup_failure(),
                                  res.console_log.string()));
    }
    if (!monitor.exit_code()) {
        std::string why = qemu_status ? ChildProcess::describe_status(*qemu_status) : "killed";
        return finish(RunResult::Outcome::Crash, kExitGuestCrash,
                      fmt::format("guest ended without @@VFS-EXIT (QEMU: {}); console log {}{}{}",
                                  why, res.console_log.string(),
                                  fs::file_size(res.qemu_log) > 0 ? "; QEMU said:\n" : "",
                                  tail_of_file(res.qemu_log, 10)));
    }
    return finish(RunResult::Outcome::Completed, *monitor.exit_code(), "");
}

} // namespace vfs
