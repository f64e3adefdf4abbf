// vfs-harness: entry point; the subcommands live in src/*_command.cpp.
#include "bench/bench_command.hpp"
#include "boot/boot_command.hpp"
#include "cli/cli_options.hpp"
#include "cli/commands.hpp"
#include "util/interrupt.hpp"
#include "util/project_paths.hpp"
#include "vm/qemu_binary.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
    // Harness messages on stderr; stdout carries guest output and results.
    auto logger = spdlog::stderr_color_st("vfs-harness");
    logger->set_pattern("%^[%l]%$ %v");
    spdlog::set_default_logger(logger);

    vfs::CliOptions opts;
    CLI::App app{"vfs-harness"};
    vfs::configure_cli(app, opts);
    try {
        app.parse(argc, argv);
        vfs::finish_cli(opts);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "vfs-harness: error: %s\n", e.what());
        return 2;
    }
    spdlog::set_level(spdlog::level::from_str(opts.log_level));
    vfs::install_interrupt_handlers();

    try {
        auto paths = vfs::ProjectPaths::discover();
        if (opts.image_cmd->parsed()) {
            return vfs::image_command(paths, opts.image);
        }
        if (opts.run_cmd->parsed() || opts.test_cmd->parsed()) {
            // Once per invocation: `test` boots many guests with these options.
            vfs::resolve_qemu(paths, opts.run);
        }
        if (opts.run_cmd->parsed()) {
            return vfs::run_command(paths, opts.run, opts.results);
        }
        if (opts.boot_cmd->parsed()) {
            return vfs::boot_command(paths, opts.boot.boot, opts.boot.results);
        }
        if (opts.bench_cmd->parsed()) {
            for (int i = 0; i < argc; ++i) {
                opts.bench.command_line += (i ? " " : "") + std::string(argv[i]);
            }
            return vfs::bench_command(paths, opts.bench);
        }
        if (opts.test_cmd->parsed()) {
            return vfs::test_command(paths, opts.test, opts.run, opts.results);
        }
    } catch (const std::invalid_argument& e) {
        spdlog::error("{}", e.what());
        return 2;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    return 0;
}
