#include "bench/bench_command.hpp"

#include "bench/bench_comparison.hpp"
#include "bench/bench_console.hpp"
#include "bench/bench_floors.hpp"
#include "bench/bench_plan.hpp"
#include "bench/bench_progress.hpp"
#include "bench/bench_results.hpp"
#include "bench/guest_perf.hpp"
#include "bench/host_perf.hpp"
#include "bench/meta_command.hpp"
#include "daemon/rust_virtiofsd.hpp"
#include "image/image_layout.hpp"
#include "report/bench_chart.hpp"
#include "report/bench_report.hpp"
#include "util/child_process.hpp"
#include "util/interrupt.hpp"
#include "util/run_directory.hpp"
#include "util/string_util.hpp"
#include "util/temp_dir.hpp"
#include "vm/guest_session.hpp"
#include "vm/qemu_binary.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono;

namespace vfs {

namespace {

std::string now_iso() {
    std::time_t t = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
    return buf;
}

std::string loadavg() {
    try {
        return std::string(trim(read_file("/proc/loadavg")));
    } catch (const std::exception&) {
        return "?";
    }
}

std::string git_describe(const fs::path& root) {
    try {
        return std::string(trim(capture_output(
            {"git", "-C", root.string(), "describe", "--always", "--dirty", "--abbrev=12"})));
    } catch (const std::exception&) {
        return "unknown";
    }
}

void write_outputs(const BenchResults& res, const fs::path& dir, bool print) {
    write_file((dir / "bench.json").string(), res.to_json().dump(1) + "\n");
    BenchReport report(res);
    auto md = fmt::format("# vfs-harness bench, {}\n\n`{}`\n\n{}",
                          res.meta.value("started", std::string("?")),
                          res.meta.value("command", std::string("?")), report.markdown());
    write_file((dir / "table.md").string(), md);
    if (print) {
        BenchChart(res).draw(dir);
        std::fputs(report.markdown().c_str(), stdout);
        std::fflush(stdout);
    }
}

BenchResults load_results(const std::string& path) {
    try {
        return BenchResults::from_json(nlohmann::json::parse(read_file(path)));
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument(fmt::format("{}: not a bench.json ({})", path, e.what()));
    }
}

// Checks the floors on a finished run, prints the verdicts and writes
// floors.json and floors.md beside bench.json; false when one fails.
bool check_floors(const BenchOptions& o, const BenchResults& res, const fs::path& dir) {
    auto verdicts = BenchFloors::load(o.floors).evaluate(res);
    auto md = BenchFloors::markdown(verdicts);
    write_file((dir / "floors.json").string(), BenchFloors::to_json(verdicts).dump(1) + "\n");
    write_file((dir / "floors.md").string(),
               fmt::format("# Ratio floors ({})\n\n{}", o.floors, md));
    std::fputs(("\nSame-run ratio floors (" + o.floors + "):\n\n" + md).c_str(), stdout);
    std::fflush(stdout);
    if (!BenchFloors::all_pass(verdicts)) {
        spdlog::error("bench: a same-run ratio is below its floor in {}; see {}", o.floors,
                      (dir / "floors.md").string());
        return false;
    }
    spdlog::info("bench: every ratio is at or above its floor ({})", o.floors);
    return true;
}

int render_only(const BenchOptions& o) {
    auto path = fs::path(o.render);
    auto res = load_results(path.string());
    write_outputs(res, path.parent_path(), true);
    spdlog::info("bench: rendered {}", (path.parent_path() / "table.md").string());
    return o.floors.empty() || check_floors(o, res, path.parent_path()) ? 0 : 1;
}

int compare_only(const BenchOptions& o) {
    BenchComparison cmp(load_results(o.compare.at(0)), load_results(o.compare.at(1)));
    auto text = o.json ? cmp.to_json().dump(1) + "\n" : cmp.markdown();
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    return 0;
}

RunOptions column_run_options(const BenchOptions& o, const BenchColumn& c, std::string command,
                              std::size_t jobs, bool profiled) {
    RunOptions r;
    r.transport = c.transport;
    r.daemon = c.daemon.empty() ? o.daemon : c.daemon;
    r.cache = c.cache;
    r.writeback = c.writeback;
    r.opts = c.opts;
    if (!c.cache_size.empty()) {
        r.cache_size = c.cache_size;
    }
    if (!c.version_table.empty()) {
        r.version_table = c.version_table;
    }
    r.mount = !c.guest_tmpfs;
    r.smp = o.smp;
    r.cpu = o.cpu;
    r.mem = o.mem;
    r.quiet = true;
    // A hang guard, not an estimate: generous for a loaded host.
    r.timeout_sec = 180 + static_cast<int>(jobs) * (3 * o.runtime_sec + 15) + o.size_mib;
    if (profiled) {
        r.timeout_sec += static_cast<int>(jobs) * 90; // perf report under TCG
    }
    r.command = std::move(command);
    r.validate();
    return r;
}

} // namespace

int bench_command(const ProjectPaths& paths, const BenchOptions& o) {
    if (!o.compare.empty()) {
        return compare_only(o);
    }
    if (!o.render.empty()) {
        return render_only(o);
    }
    if (o.metadata) {
        return meta_bench_command(paths, o);
    }
    BenchResults res;
    if (!o.rows.empty()) {
        for (const auto& name : o.rows) {
            res.rows.push_back(BenchRow::parse(name));
        }
    } else {
        res.rows = select_rows(o.workloads, o.engines, o.modes);
    }
    if (res.rows.empty()) {
        throw std::invalid_argument("bench: the selection has no rows");
    }
    const bool debian_builtin = builtin_module(paths.modules_dir(), kDebianVirtiofsModule);
    for (const auto& id : o.columns) {
        res.columns.push_back(bench_column_on_kernel(id, debian_builtin));
    }
    if (!o.floors.empty()) {
        // Names a floor's column or row that this run lacks: fail now, not
        // after the run (nothing is measured yet, so every verdict fails).
        BenchFloors::load(o.floors).evaluate(res);
    }
    if (o.host_profile) {
        HostPerf::check_usable();
    }
    const auto jobs = job_order(res.rows.size(), o.repeats);

    auto parent = o.results.empty() ? paths.results() : fs::path(o.results);
    auto out = make_run_directory(parent, o.quick ? "bench-quick" : "bench");
    res.meta = {{"command", o.command_line},
                {"started", now_iso()},
                {"git", git_describe(paths.root)},
                {"kernel", paths.kernel},
                {"guest_kernel", guest_kernel_release(paths)},
                {"repeats", o.repeats},
                {"rounds", o.rounds},
                {"runtime_sec", o.runtime_sec},
                {"size_mib", o.size_mib},
                {"smp", o.smp},
                {"cpu", o.cpu},
                {"mem", o.mem},
                {"daemon", o.daemon},
                {"quick", o.quick},
                {"profile", o.profile},
                {"host_profile", o.host_profile},
                {"host_nproc", std::thread::hardware_concurrency()},
                {"loadavg", nlohmann::json::object()}};

    for (const auto& c : res.columns) {
        if (c.uses_daemon() && (c.daemon.empty() ? o.daemon : c.daemon) == RustVirtiofsd::kName) {
            res.meta["virtiofsd_rs"] = RustVirtiofsd::next_to_harness().version();
        }
    }

    const auto boots = res.columns.size() * static_cast<std::size_t>(o.rounds);
    BenchProgress progress(boots, jobs.size(), o.runtime_sec);
    spdlog::info("bench: {} rows x {} columns x {} repeats x {} rounds = {} fio runs of {} s; "
                 "estimated {}; results in {}",
                 res.rows.size(), res.columns.size(), o.repeats, o.rounds, progress.jobs_total(),
                 o.runtime_sec, BenchProgress::duration(progress.remaining_sec()), out.string());
    const auto start = steady_clock::now();
    bool all_ok = true;

    for (std::size_t bi = 0; bi < boots && !interrupted(); ++bi) {
        const auto ci = bi % res.columns.size();
        const int round = static_cast<int>(bi / res.columns.size());
        const auto& col = res.columns[ci];
        auto dir = col.guest_tmpfs ? std::string("/tmp/bench") : std::string("/mnt/bench");
        auto command = bench_guest_command(res.rows, jobs, dir, o.size_mib, o.runtime_sec);
        // --profile: perf comes from the share, so the tmpfs column (no
        // share) runs unprofiled.
        std::optional<TempDir> profile_share;
        if (o.profile && !col.guest_tmpfs) {
            profile_share.emplace(fs::is_directory("/dev/shm") ? fs::path("/dev/shm")
                                                               : fs::temp_directory_path(),
                                  "vfs-bench-profile-");
            GuestPerf().install(profile_share->path());
            command = GuestPerf::guest_env("/mnt") + " " + command;
        }
        auto ro =
            column_run_options(o, col, std::move(command), jobs.size(), profile_share.has_value());
        if (profile_share) {
            ro.shared = profile_share->path();
        }
        resolve_qemu(paths, ro); // the DAX column needs the patched QEMU
        auto col_dir =
            out / ("col-" + col.id + (o.rounds > 1 ? fmt::format("-r{}", round + 1) : ""));
        fs::create_directories(col_dir);
        res.meta["loadavg"][col.id + (o.rounds > 1 ? fmt::format("-r{}", round + 1) : "")] =
            loadavg();
        spdlog::info("bench: [{}/{}] {} ({}{}{}), load {}", bi + 1, boots, col.label, col.transport,
                     col.uses_daemon() ? ", " + (col.daemon.empty() ? o.daemon : col.daemon) +
                                             " cache=" + col.cache
                                       : "",
                     col.writeback ? ", writeback" : "", loadavg());

        std::optional<HostPerf> host_perf;
        if (o.host_profile) {
            host_perf.emplace(col_dir / "host-profiles");
        }
        auto job_name = [&](int id) {
            if (id < 0 || static_cast<std::size_t>(id) >= jobs.size()) {
                return fmt::format("job-{}", id);
            }
            const auto& j = jobs[static_cast<std::size_t>(id)];
            return fmt::format("{}-rep{}", res.rows[j.row].name(), round * o.repeats + j.rep + 1);
        };
        BenchConsoleParser parser;
        auto last_mark = steady_clock::now();
        GuestSession session(paths, ro, col_dir);
        GuestSession::Hooks hooks;
        hooks.on_line = [&](std::string_view line, ConsoleMonitor::LineKind kind) {
            if (o.verbose) {
                echo_console_line(line, kind, false);
            }
            if (kind != ConsoleMonitor::LineKind::CommandOutput) {
                return;
            }
            const bool was_running = parser.job_running().has_value();
            bool was_laid_out = parser.layout_done();
            auto block = parser.feed(line);
            if (host_perf && !was_running && parser.job_running()) {
                host_perf->begin(job_name(*parser.job_running()));
            }
            if (host_perf && block) {
                host_perf->end();
            }
            auto now = steady_clock::now();
            if (!was_laid_out && parser.layout_done()) {
                last_mark = now;
            }
            if (!block || block->id < 0 || static_cast<std::size_t>(block->id) >= jobs.size()) {
                return;
            }
            const auto& job = jobs[static_cast<std::size_t>(block->id)];
            const auto& row = res.rows[job.row];
            auto sample = BenchSample::from_block(*block, row, col.id, round * o.repeats + job.rep);
            progress.job_done(duration<double>(now - last_mark).count());
            last_mark = now;
            spdlog::info("bench: [{}/{} {}] {:>3}/{} {:<24} rep {}/{}: {:>10} | elapsed {}, ~{} "
                         "left",
                         bi + 1, boots, col.id, progress.jobs_done(), progress.jobs_total(),
                         row.name(), round * o.repeats + job.rep + 1, o.repeats * o.rounds,
                         sample.ok ? fmt::format("{:.1f} MiB/s", sample.bw_mib) : "n.a.",
                         BenchProgress::duration(duration<double>(now - start).count()),
                         BenchProgress::duration(progress.remaining_sec()));
            res.samples.push_back(std::move(sample));
        };
        auto rr = session.run(hooks);
        progress.column_done(rr.seconds);
        if (profile_share) {
            auto n = GuestPerf::collect(profile_share->path(), col_dir / "profiles", job_name);
            spdlog::info("bench: {} guest profile(s) in {}", n, (col_dir / "profiles").string());
        }
        if (host_perf) {
            auto n = host_perf->report();
            spdlog::info("bench: {} host profile(s) in {}", n,
                         (col_dir / "host-profiles").string());
        }
        BenchColumnRun run{col.id, std::string(to_string(rr.outcome)), rr.message, rr.seconds,
                           col_dir.string()};
        if (!parser.setup_failure().empty()) {
            run.message = "bench-run.sh: " + parser.setup_failure();
        } else if (rr.ok() && rr.exit_code != 0 && run.message.empty()) {
            run.message = fmt::format("guest command exited {}", rr.exit_code);
        }
        if (!rr.ok() || rr.exit_code != 0 || !parser.all_done()) {
            all_ok = false;
            if (run.outcome == "completed") {
                run.outcome = "incomplete";
            }
            spdlog::error("bench: column {}: {} {}; logs in {}", col.id, run.outcome, run.message,
                          col_dir.string());
        }
        res.runs.push_back(std::move(run));
        write_outputs(res, out, false); // partial results survive an interruption
    }
    res.meta["finished"] = now_iso();
    res.meta["elapsed_sec"] = duration<double>(steady_clock::now() - start).count();
    write_outputs(res, out, true);

    BenchReport report(res);
    if (res.has_column("ours") && res.has_column("debian")) {
        auto slower = report.clearly_slower("ours", "debian");
        if (!slower.empty()) {
            spdlog::warn("bench: our module is slower than Debian's beyond the spread on: {}",
                         join(slower, ", "));
        }
    }
    spdlog::info("bench: done in {}; {}/bench.json, table.md, chart-*.svg",
                 BenchProgress::duration(res.meta["elapsed_sec"].get<double>()), out.string());
    if (interrupted()) {
        return 130;
    }
    if (!o.floors.empty() && !check_floors(o, res, out)) {
        return 1;
    }
    return all_ok ? 0 : 1;
}

} // namespace vfs
