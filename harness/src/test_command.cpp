#include "commands.hpp"
#include "guest_session.hpp"
#include "interrupt.hpp"
#include "run_directory.hpp"
#include "string_util.hpp"
#include "suite_spec.hpp"
#include "tap_parser.hpp"
#include "test_report.hpp"

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
    auto results_dir = make_run_directory(parent, "test");
    const auto& transports = opts.transports;
    spdlog::info("test: {} suite(s) x [{}] (under test: {}); results in {}", suites.size(),
                 join(transports, ", "), transports.front(), results_dir.string());

    TestReport report(transports);
    const auto t_start = std::chrono::steady_clock::now();
    bool stop = false;
    for (const auto& suite : suites) {
        for (const auto& transport : transports) {
            if (stop) {
                break;
            }
            if (!suite.runs_on(transport)) {
                continue;
            }
            auto label = suite.name + "/" + transport;
            auto run_dir = results_dir / (suite.name + "-" + transport);
            fs::create_directories(run_dir);
            auto o = options_for(suite, transport, base);
            o.validate();
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
        std::printf("regression on %s: %s\n", transports.front().c_str(), name.c_str());
    }
    for (std::size_t i = 1; i < transports.size(); ++i) {
        auto t = report.totals(transports[i]);
        if (t.failed > 0) {
            std::printf("note: baseline %s has %d failure(s) (not fatal)\n", transports[i].c_str(),
                        t.failed);
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
