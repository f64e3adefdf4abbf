#include "bench/meta_command.hpp"

#include "bench/meta_plan.hpp"
#include "bench/meta_results.hpp"
#include "bench/meta_tree.hpp"
#include "report/meta_report.hpp"
#include "util/child_process.hpp"
#include "util/interrupt.hpp"
#include "util/run_directory.hpp"
#include "util/string_util.hpp"
#include "vm/guest_session.hpp"
#include "vm/qemu_binary.hpp"
#include "vm/qemu_command.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace fs = std::filesystem;
using namespace std::chrono;

namespace vfs {

namespace {

constexpr std::string_view kSetupFailed = "@@META-SETUP-FAILED";
constexpr std::string_view kDone = "@@META-DONE";

std::string now_iso() {
    std::time_t t = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
    return buf;
}

// Output of a probe command; empty when it cannot run (the caller says so).
std::string probe(const std::vector<std::string>& argv) {
    try {
        return capture_output(argv);
    } catch (const std::exception&) {
        return {};
    }
}

// Why this column cannot run here, or empty. Asks QEMU for the device's
// properties and the daemon for its options instead of trusting the column.
std::string missing_support(const MetaColumn& c, const RunOptions& r) {
    if (!c.device_props.empty()) {
        const auto qemu = r.qemu.empty() ? QemuInputs{}.qemu : r.qemu;
        const auto help = probe({qemu, "-device", "vhost-user-fs-pci,help"});
        for (const auto& p : c.device_props) {
            const auto name = p.substr(0, p.find('='));
            if (help.find(name + "=") == std::string::npos) {
                return fmt::format("QEMU {} has no vhost-user-fs-pci property '{}' (needs the "
                                   "patched QEMU with it)",
                                   qemu, name);
            }
        }
    }
    if (c.uses_daemon()) {
        const auto bin = daemon_binary(c.daemon);
        const auto help = probe({bin, "--help"});
        for (const auto& a : c.daemon_args) {
            const auto flag = a.substr(0, a.find('='));
            if (flag.rfind("--", 0) == 0 && help.find(flag) == std::string::npos) {
                return fmt::format("daemon {} has no option '{}'", bin, flag);
            }
        }
    }
    return {};
}

RunOptions column_run_options(const BenchOptions& o, const MetaColumn& c, const fs::path& share) {
    RunOptions r;
    r.transport = c.transport;
    if (c.uses_daemon()) {
        r.daemon = c.daemon;
    }
    r.cache = c.cache;
    r.daemon_args = c.daemon_args;
    r.device_props = c.device_props;
    r.opts = c.opts;
    r.shared = share;
    r.smp = o.smp;
    r.mem = o.mem;
    r.quiet = true;
    // A hang guard for a loaded TCG host, not an estimate.
    r.timeout_sec = 300 + 120 * o.meta_repeats * static_cast<int>(o.meta_workloads.size());
    r.command = meta_guest_command("/mnt", o.meta_repeats, o.meta_workloads);
    r.validate();
    return r;
}

void write_outputs(const MetaResults& res, const fs::path& dir, bool final) {
    write_file((dir / "meta.json").string(), res.to_json().dump(1) + "\n");
    auto md = meta_markdown(res);
    write_file((dir / "table.md").string(),
               fmt::format("# vfs-harness bench --metadata, {}\n\n`{}`\n\n{}",
                           res.meta.value("started", std::string("?")),
                           res.meta.value("command", std::string("?")), md));
    if (final) {
        draw_meta_chart(res, dir);
        std::fputs(md.c_str(), stdout);
        std::fflush(stdout);
    }
}

} // namespace

int meta_bench_command(const ProjectPaths& paths, const BenchOptions& o) {
    MetaResults res;
    for (const auto& id : o.meta_columns) {
        res.columns.push_back(meta_column(id));
    }
    res.workloads = o.meta_workloads;
    MetaTree tree(paths, o.meta_subtrees);
    const auto cached = tree.ensure();

    auto parent = o.results.empty() ? paths.results() : fs::path(o.results);
    auto out = make_run_directory(parent, "bench-meta");
    res.meta = {{"command", o.command_line},
                {"started", now_iso()},
                {"repeats", o.meta_repeats},
                {"rounds", o.meta_rounds},
                {"subtrees", o.meta_subtrees},
                {"tree", std::string(trim(read_file((cached.parent_path() / ".stamp").string())))},
                {"smp", o.smp},
                {"mem", o.mem}};
    spdlog::info(
        "bench --metadata: {} columns x {} workloads x {} repeats x {} rounds; results in {}",
        res.columns.size(), res.workloads.size(), o.meta_repeats, o.meta_rounds, out.string());
    bool all_ok = true;
    for (int round = 0; round < o.meta_rounds * static_cast<int>(res.columns.size()); round++) {
        const auto& col = res.columns[round % res.columns.size()];
        const int rep_base = round / static_cast<int>(res.columns.size()) * o.meta_repeats;
        if (interrupted()) {
            break;
        }
        const auto col_dir =
            out / (o.meta_rounds > 1 ? fmt::format("col-{}-r{}", col.id, rep_base / o.meta_repeats)
                                     : "col-" + col.id);
        fs::create_directories(col_dir / "share"); // RunOptions checks that it exists
        MetaColumnRun run{col.id, "completed", "", 0};
        auto ro = column_run_options(o, col, col_dir / "share");
        try {
            resolve_qemu(paths, ro);
            run.message = missing_support(col, ro);
        } catch (const std::exception& e) {
            run.message = e.what();
        }
        if (!run.message.empty()) {
            run.outcome = "skipped";
            spdlog::warn("bench --metadata: column {} skipped: {}", col.id, run.message);
            res.runs.push_back(std::move(run));
            continue;
        }
        spdlog::info("bench --metadata: column {} ({})", col.id, col.label);
        tree.copy_to(col_dir / "share");

        std::string setup_failure;
        bool done = false;
        GuestSession session(paths, ro, col_dir);
        GuestSession::Hooks hooks;
        hooks.on_line = [&](std::string_view line, ConsoleMonitor::LineKind kind) {
            if (o.verbose) {
                echo_console_line(line, kind, false);
            }
            if (kind != ConsoleMonitor::LineKind::CommandOutput) {
                return;
            }
            if (line.rfind(kSetupFailed, 0) == 0) {
                setup_failure = std::string(trim(line.substr(kSetupFailed.size())));
            } else if (line.rfind(kDone, 0) == 0) {
                done = true;
            } else if (auto s = MetaSample::parse(line, col.id)) {
                s->rep += rep_base;
                spdlog::info("bench --metadata: {:<7} {:<14} rep {}: {:>9.1f} ms{}", col.id,
                             s->workload, s->rep + 1, s->ms,
                             s->rc ? fmt::format(" (exit {}: not counted)", s->rc) : "");
                res.samples.push_back(std::move(*s));
            }
        };
        auto rr = session.run(hooks);
        run.seconds = rr.seconds;
        if (!setup_failure.empty()) {
            run.message = "meta-bench.sh: " + setup_failure;
        } else if (!rr.ok()) {
            run.message = rr.message;
        } else if (rr.exit_code != 0) {
            run.message = fmt::format("guest command exited {}", rr.exit_code);
        } else if (!done) {
            run.message = "the guest did not finish every workload";
        }
        if (!run.message.empty()) {
            run.outcome = rr.ok() ? "incomplete" : std::string(to_string(rr.outcome));
            all_ok = false;
            spdlog::error("bench --metadata: column {}: {}; logs in {}", col.id, run.message,
                          col_dir.string());
        }
        std::error_code ec;
        fs::remove_all(col_dir / "share", ec);
        res.runs.push_back(std::move(run));
        write_outputs(res, out, false);
    }
    write_outputs(res, out, true);
    spdlog::info("bench --metadata: {}/meta.json, table.md, meta.svg", out.string());
    return interrupted() ? 130 : all_ok ? 0 : 1;
}

} // namespace vfs
