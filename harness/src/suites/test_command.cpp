#include "cli/commands.hpp"
#include "report/test_report.hpp"
#include "suites/suite_spec.hpp"
#include "suites/tap_parser.hpp"
#include "util/interrupt.hpp"
#include "util/run_directory.hpp"
#include "util/string_util.hpp"
#include "vm/guest_session.hpp"
#include "vm/qemu_binary.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>

namespace fs = std::filesystem;

namespace vfs {

namespace {

constexpr auto kProgressEvery = std::chrono::seconds(15);

std::vector<SuiteSpec> select_suites(const std::vector<SuiteSpec>& all,
                                     const std::vector<std::string>& wanted) {
    if (wanted.empty()) {
        return all;
    }
    std::vector<SuiteSpec> out;
    for (const auto& name : wanted) {
        auto it = std::find_if(all.begin(), all.end(),
                               [&](const SuiteSpec& s) { return s.name == name; });
        if (it == all.end()) {
            std::vector<std::string> names;
            for (const auto& s : all) {
                names.push_back(s.name);
            }
            throw std::invalid_argument(
                fmt::format("--suite: no suite '{}' (known: {})", name, join(names, ", ")));
        }
        out.push_back(*it);
    }
    return out;
}

// One column of the report: a transport served by a daemon.
struct Column {
    std::string name; // "ours", or "ours+vfsd" when several daemons run
    std::string transport;
    std::string daemon;
};

std::vector<Column> make_columns(const TestCommandOptions& opts) {
    std::vector<Column> cols;
    if (!opts.columns.empty()) {
        for (const auto& c : opts.columns) {
            auto plus = c.find('+');
            cols.push_back({c, c.substr(0, plus), c.substr(plus + 1)});
        }
        return cols;
    }
    for (const auto& d : opts.daemons) {
        for (const auto& t : opts.transports) {
            cols.push_back({opts.daemons.size() > 1 ? t + "+" + d : t, t, d});
        }
    }
    return cols;
}

// A suite that names its daemon runs in that daemon's columns only; if no
// column has it, it runs in the first daemon's columns, with its own daemon.
bool suite_runs_in(const SuiteSpec& s, const Column& c, const TestCommandOptions& opts) {
    if (!s.runs_on(c.transport)) {
        return false;
    }
    if (s.daemon.empty()) {
        return true;
    }
    bool listed =
        std::find(opts.daemons.begin(), opts.daemons.end(), s.daemon) != opts.daemons.end();
    return listed ? c.daemon == s.daemon : c.daemon == opts.daemons.front();
}

RunOptions options_for(const SuiteSpec& s, const std::string& transport, const RunOptions& base) {
    RunOptions o = base;
    o.transport = transport;
    o.cache = s.cache;
    o.writeback = s.writeback;
    o.mount = s.mount;
    o.opts = s.opts_for(transport);
    if (!s.daemon.empty()) {
        o.daemon = s.daemon;
    }
    o.daemon_args.insert(o.daemon_args.end(), s.daemon_args.begin(), s.daemon_args.end());
    o.timeout_sec = s.timeout;
    o.queues = s.queues;
    if (!s.cache_size.empty()) {
        o.cache_size = s.cache_size;
    }
    o.command = s.cmd;
    o.quiet = true;
    return o;
}

} // namespace

int test_command(const ProjectPaths& paths, const TestCommandOptions& opts, const RunOptions& base,
                 const std::string& results) {
    auto suites_file = opts.suites_file.empty() ? paths.suites_file().string() : opts.suites_file;
    if (!fs::exists(suites_file)) {
        throw std::runtime_error(suites_file + " does not exist (written by tests/guest)");
    }
    auto suites = select_suites(load_suites(suites_file), opts.suites);
    auto parent = results.empty() ? paths.results() : fs::path(results);
    // results/test-trixie-<time>/ for another kernel than the default.
    auto results_dir =
        make_run_directory(parent, paths.default_kernel() ? "test" : "test-" + paths.kernel);
    const auto& transports = opts.transports;
    const auto columns = make_columns(opts);
    std::vector<std::string> names, tested;
    for (const auto& c : columns) {
        names.push_back(c.name);
        if (c.transport == transports.front()) {
            tested.push_back(c.name);
        }
    }
    spdlog::info("test: kernel {}: {} suite(s) x [{}] (under test: {}); results in {}",
                 paths.kernel, suites.size(), join(names, ", "), join(tested, ", "),
                 results_dir.string());

    TestReport report(names, tested);
    const auto t_start = std::chrono::steady_clock::now();
    bool stop = false;
    for (const auto& suite : suites) {
        for (const auto& col : columns) {
            if (stop) {
                break;
            }
            if (!suite_runs_in(suite, col, opts)) {
                continue;
            }
            const auto& transport = col.name; // the report's column
            auto label = suite.name + "/" + transport;
            auto run_dir = results_dir / (suite.name + "-" + transport);
            fs::create_directories(run_dir);
            auto with_daemon = base;
            with_daemon.daemon = col.daemon;
            auto o = options_for(suite, col.transport, with_daemon);
            o.validate();
            resolve_qemu(paths, o); // a suite may ask for a DAX window
            std::fprintf(stderr, "==> %s (timeout %d s)\n", label.c_str(), o.timeout_sec);

            TapParser tap;
            auto boot_start = std::chrono::steady_clock::now();
            // TAP carries no timings: a test's duration is the time since the
            // previous result (the first one's includes the boot).
            std::vector<double> durations;
            auto last_result = boot_start;
            auto last_progress = boot_start;
            GuestSession::Hooks hooks;
            hooks.on_line = [&](std::string_view line, ConsoleMonitor::LineKind kind) {
                if (kind == ConsoleMonitor::LineKind::CommandOutput) {
                    tap.feed_line(line);
                    if (tap.count() > durations.size()) {
                        auto now = std::chrono::steady_clock::now();
                        durations.resize(tap.count(),
                                         std::chrono::duration<double>(now - last_result).count());
                        last_result = now;
                    }
                }
                if (opts.verbose) {
                    std::fprintf(stderr, "  | %.*s\n", static_cast<int>(line.size()), line.data());
                }
            };
            hooks.on_tick = [&]() {
                auto now = std::chrono::steady_clock::now();
                if (now - last_progress >= kProgressEvery) {
                    last_progress = now;
                    std::fprintf(stderr, "    %s: %.0f s, %zu tests so far (total %.0f s)\n",
                                 label.c_str(),
                                 std::chrono::duration<double>(now - boot_start).count(),
                                 tap.count(), std::chrono::duration<double>(now - t_start).count());
                }
            };
            hooks.on_reboot = [&]() {
                tap = TapParser();
                durations.clear();
                last_result = std::chrono::steady_clock::now();
            };
            GuestSession session(paths, o, run_dir);
            auto res = session.run(hooks);
            tap.finish();

            auto log = res.console_log.string();
            bool boot_failed = !res.ok();
            bool any_failed = false;
            for (std::size_t i = 0; i < tap.results().size(); ++i) {
                const auto& t = tap.results()[i];
                // The synthetic "plan" failure says nothing new when the boot failed.
                if (boot_failed && t.name == "plan") {
                    continue;
                }
                any_failed = any_failed || t.status == TestStatus::Fail;
                report.add({suite.name + "/" + t.name, transport, t.status, t.directive_reason,
                            t.diagnostics, log, i < durations.size() ? durations[i] : 0.0});
            }
            if (boot_failed) {
                report.add(
                    {suite.name + "/<boot>", transport, TestStatus::Fail, res.message, {}, log});
            } else if (res.exit_code != 0 && res.exit_code != 4 && !any_failed) {
                // 4 is kselftest's "skipped"; other statuses with all tests ok are a bug too.
                report.add({suite.name + "/<exit>",
                            transport,
                            TestStatus::Fail,
                            fmt::format("command exited {} although no test failed", res.exit_code),
                            {},
                            log});
            }
            report.add_boot({suite.name, transport, std::string(to_string(res.outcome)),
                             res.exit_code, res.seconds, res.message, log});

            int p = 0, f = 0, s = 0;
            for (const auto& r : report.records()) {
                if (r.transport == transport && r.name.starts_with(suite.name + "/")) {
                    p += r.status == TestStatus::Pass;
                    f += r.status == TestStatus::Fail;
                    s += r.status == TestStatus::Skip || r.status == TestStatus::Todo;
                }
            }
            std::fprintf(stderr, "    %s: %d passed, %d failed, %d skipped (%.1f s)%s%s\n",
                         label.c_str(), p, f, s, res.seconds, boot_failed ? " -- " : "",
                         boot_failed ? res.message.c_str() : "");
            if (res.outcome == RunResult::Outcome::Interrupted || interrupted()) {
                stop = true;
            }
        }
    }
    report.finalize();

    auto table = report.markdown_table();
    std::ofstream(results_dir / "table.md") << table;
    std::ofstream(results_dir / "results.json") << report.to_json().dump(2) << "\n";
    std::printf("\n%s\n", table.c_str());
    for (const auto& name : report.regressions()) {
        std::printf("regression: %s\n", name.c_str());
    }
    for (const auto& c : names) {
        auto t = report.totals(c);
        bool is_tested = std::find(tested.begin(), tested.end(), c) != tested.end();
        if (!is_tested && t.failed > 0) {
            std::printf("note: baseline %s has %d failure(s) (not fatal)\n", c.c_str(), t.failed);
        }
    }
    std::printf("results: %s\n", results_dir.string().c_str());
    std::printf("%s\n", report.summary_line().c_str());
    std::fflush(stdout);
    if (stop) {
        return 130;
    }
    return report.exit_status();
}

} // namespace vfs
