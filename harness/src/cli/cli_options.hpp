#pragma once

#include "bench/bench_cli.hpp"
#include "boot/boot_cli.hpp"
#include "vm/run_options.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace vfs {

struct ImageCommandOptions {
    bool force = false;
    bool allow_missing_module = false;
};

struct TestCommandOptions {
    std::vector<std::string> transports = {"ours", "debian"};
    std::vector<std::string> daemons = {"virtiofsd"}; // several: one column per transport x daemon
    std::vector<std::string> suites;                  // empty: all
    std::string suites_file;                          // default: tests/guest/suites.json
    bool verbose = false;                             // stream guest consoles
};

// Everything the command line can say; filled by the CLI11 app that
// configure_cli() builds.
struct CliOptions {
    ImageCommandOptions image;
    RunOptions run;
    std::string shared; // --shared as given
    std::vector<std::string> command_words;
    TestCommandOptions test;
    std::string results; // --results, default results/
    std::string log_level = "info";

    CLI::App* image_cmd = nullptr;
    CLI::App* run_cmd = nullptr;
    CLI::App* test_cmd = nullptr;
    BootCliOptions boot;
    CLI::App* boot_cmd = nullptr;
    BenchOptions bench;
    CLI::App* bench_cmd = nullptr;
};

// Declares subcommands and options, bound to `opts` (which must outlive app).
void configure_cli(CLI::App& app, CliOptions& opts);

// After a successful parse: fills derived fields (run.command, run.shared) and
// checks what CLI11 validators cannot. Throws std::invalid_argument.
void finish_cli(CliOptions& opts);

} // namespace vfs
