#include "cli/cli_options.hpp"

#include "util/string_util.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace vfs {

namespace {

// "2G"-style sizes, checked while parsing so the error names the option.
CLI::Validator memory_size() {
    return CLI::Validator(
        [](std::string& s) -> std::string {
            try {
                parse_memory_mib(s);
                return {};
            } catch (const std::exception&) {
                return fmt::format("'{}' is not a size like 2G or 512M", s);
            }
        },
        "SIZE", "memory size");
}

CLI::Validator cache_size() {
    return CLI::Validator(
        [](std::string& s) -> std::string {
            try {
                parse_cache_size(s);
                return {};
            } catch (const std::exception& e) {
                return e.what();
            }
        },
        "SIZE", "DAX window size");
}

// Shared by `run` and `test`, both bound to the base boot options.
void add_qemu_options(CLI::App* cmd, RunOptions& r) {
    cmd->add_option("--qemu", r.qemu,
                    "QEMU binary (default: Debian's; with --cache-size, the patched build from "
                    "scripts/qemu/build-qemu-dax.sh)");
    cmd->add_option("--cache-size", r.cache_size,
                    "DAX window of vhost-user-fs-pci (cache-size=, e.g. 64M, 1G; needs the "
                    "patched QEMU, Documentation/qemu-dax.rst); 0: none")
        ->check(cache_size())
        ->capture_default_str();
    cmd->add_option("--version-table", r.version_table,
                    "shared-memory version table (vhost-user-fs-pci version-table-size= and vfsd "
                    "--version-table=, e.g. 16M; needs --daemon vfsd and the patched QEMU, "
                    "Documentation/version-table.rst); 0: none")
        ->check(cache_size())
        ->capture_default_str();
    cmd->add_flag("--daemon-reconnect", r.daemon_reconnect,
                  "QEMU reconnects when the daemon comes back (chardev reconnect=1; the patched "
                  "QEMU, built if --qemu is not given) and the guest may ask for "
                  "restart-daemon");
    cmd->add_option("--daemon-upgrade", r.daemon_upgrade,
                    "binary that 'restart-daemon upgrade' starts in place of the daemon")
        ->check(CLI::ExistingFile);
}

} // namespace

void configure_cli(CLI::App& app, CliOptions& o) {
    app.description("vfs-harness: build the guest image, boot guests, run the in-guest tests.\n"
                    "See Documentation/guest-contract.rst.");
    app.require_subcommand(1);
    app.add_option("--log-level", o.log_level, "harness log level")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    app.add_option("--kernel", o.kernel,
                   "guest kernel: bookworm (Debian 12, 6.1; build/kernel) or trixie (Debian 13, "
                   "6.12; build/kernel-trixie, make module KERNEL=trixie); before the subcommand")
        ->check(CLI::IsMember(known_kernels()))
        ->capture_default_str();

    o.image_cmd = app.add_subcommand("image", "build build/image/initramfs.cpio.gz (cached)");
    o.image_cmd->add_flag("--force", o.image.force, "rebuild even if the cache key is unchanged");
    o.image_cmd->add_flag("--allow-missing-module", o.image.allow_missing_module,
                          "build without /lib/vfs/virtio_fs.ko if it was not built");

    auto* run = o.run_cmd = app.add_subcommand(
        "run", "boot a guest, run CMD (a shell command line) in it, exit with its status "
               "(124 timeout, 125 guest crash or setup failure)");
    auto& r = o.run;
    run->add_option("--transport", r.transport, "guest transport")
        ->check(CLI::IsMember(known_transports()))
        ->capture_default_str();
    run->add_option("--daemon", r.daemon,
                    "vhost-user-fs backend: virtiofsd (QEMU's), vfsd (ours) or a PATH")
        ->capture_default_str();
    run->add_option(
           "--daemon-arg", r.daemon_args,
           "extra daemon argument, repeatable (--daemon-arg=-x for values starting with -)")
        ->allow_extra_args(false);
    run->add_option("--daemon-user", r.daemon_user,
                    "run the daemon as UID:GID (setpriv; the harness must be root)");
    run->add_option("--cache", r.cache, "daemon cache mode")
        ->check(CLI::IsMember(known_cache_modes()))
        ->capture_default_str();
    run->add_flag("--writeback", r.writeback, "daemon writeback cache");
    run->add_option("--shared", o.shared, "shared directory (default: temporary, on /dev/shm)")
        ->check(CLI::ExistingDirectory);
    run->add_option("--cpu", r.cpu, "QEMU -cpu model")->capture_default_str();
    run->add_option("--smp", r.smp, "guest CPUs")->check(CLI::Range(1, 64))->capture_default_str();
    run->add_option("--mem", r.mem, "guest memory")->check(memory_size())->capture_default_str();
    run->add_option("--queues", r.queues, "virtio-fs num-request-queues")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    run->add_option("--timeout", r.timeout_sec, "seconds before QEMU and daemon are killed")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();
    run->add_flag(
        "--no-mount", [&r](std::int64_t) { r.mount = false; }, "do not mount the tag on /mnt");
    run->add_option("--opts", r.opts, "extra mount options (comma-separated)");
    run->add_option("--tag", r.tag, "virtio-fs / 9p tag")->capture_default_str();
    run->add_flag("--keep-logs", r.keep_logs, "keep the run directory even on success");
    run->add_flag("-q,--quiet", r.quiet, "print only CMD's output, not the whole console");
    add_qemu_options(run, r);
    run->add_option("--results", o.results, "parent of run directories (default results/)");
    run->add_option("cmd", o.command_words, "command run in the guest (after --)")->required();

    auto* test = o.test_cmd =
        app.add_subcommand("test", "run the in-guest TAP suites on each transport and compare");
    test->add_option("--transport", o.test.transports,
                     "comma-separated transports; the first is the one under test")
        ->delimiter(',')
        ->check(CLI::IsMember(known_transports()))
        ->capture_default_str();
    test->add_option("--suite", o.test.suites, "run only these suites (repeatable)");
    test->add_option("--suites", o.test.suites_file, "suite list (default tests/guest/suites.json)")
        ->check(CLI::ExistingFile);
    test->add_option("--results", o.results, "parent of the results directory (default results/)");
    test->add_option(
            "--daemon", o.test.daemons,
            "comma-separated vhost-user-fs backends: virtiofsd (QEMU's), vfsd (ours) or a "
            "PATH; with several, every transport runs with each (columns TRANSPORT+DAEMON)")
        ->delimiter(',')
        ->capture_default_str();
    test->add_option("--columns", o.test.columns,
                     "comma-separated TRANSPORT+DAEMON pairs to run instead of every "
                     "transport x daemon combination (the first transport is under test)")
        ->delimiter(',');
    test->add_flag("-v,--verbose", o.test.verbose, "stream the guest consoles");
    add_qemu_options(test, o.run);

    o.boot_cmd = add_boot_subcommand(app, o.boot);
    o.bench_cmd = add_bench_subcommand(app, o.bench);
}

// --columns names the pairs; the transports and daemons follow from them, in order.
static void finish_test_columns(TestCommandOptions& t) {
    if (t.columns.empty()) {
        return;
    }
    t.transports.clear();
    t.daemons.clear();
    auto add_once = [](std::vector<std::string>& v, const std::string& x) {
        if (std::find(v.begin(), v.end(), x) == v.end()) {
            v.push_back(x);
        }
    };
    for (const auto& c : t.columns) {
        auto plus = c.find('+');
        if (plus == std::string::npos || plus == 0 || plus + 1 == c.size()) {
            throw CLI::ValidationError("--columns", "'" + c + "' is not TRANSPORT+DAEMON");
        }
        auto transport = c.substr(0, plus);
        if (!CLI::IsMember(known_transports())(transport).empty()) {
            throw CLI::ValidationError("--columns", "unknown transport '" + transport + "'");
        }
        add_once(t.transports, transport);
        add_once(t.daemons, c.substr(plus + 1));
    }
}

void finish_cli(CliOptions& o) {
    if (o.test_cmd && o.test_cmd->parsed()) {
        finish_test_columns(o.test);
    }
    if (o.bench_cmd && o.bench_cmd->parsed()) {
        finish_bench_cli(*o.bench_cmd, o.bench);
    }
    if (o.boot_cmd && o.boot_cmd->parsed()) {
        finish_boot_cli(o.boot);
    }
    if (o.run_cmd && o.run_cmd->parsed()) {
        o.run.command = join(o.command_words, " ");
        if (!o.shared.empty()) {
            o.run.shared = o.shared;
        }
        o.run.validate();
    }
    if (o.test_cmd && o.test_cmd->parsed()) {
        if (o.test.transports.empty()) {
            throw std::invalid_argument("--transport: at least one transport is needed");
        }
        if (o.test.daemons.empty()) {
            throw std::invalid_argument("--daemon: at least one daemon is needed");
        }
        for (std::size_t i = 0; i < o.test.transports.size(); ++i) {
            for (std::size_t j = 0; j < i; ++j) {
                if (o.test.transports[i] == o.test.transports[j]) {
                    throw std::invalid_argument("--transport: '" + o.test.transports[i] +
                                                "' listed twice");
                }
            }
        }
    }
}

} // namespace vfs
