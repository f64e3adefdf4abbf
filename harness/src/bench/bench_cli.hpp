#pragma once

#include "vm/run_options.hpp"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace vfs {

// What `vfs-harness bench` is asked to do (see Documentation/benchmarks.md).
struct BenchOptions {
    std::vector<std::string> workloads = {"seqread", "randread", "seqwrite", "randwrite"};
    std::vector<std::string> engines = {"psync", "mmap", "libaio"};
    std::vector<std::string> modes = {"single", "multi"};
    std::vector<std::string> rows; // explicit row names; override the three above
    std::vector<std::string> columns = {"9p",        "debian",         "ours",
                                        "ours-vfsd", "ours-rs",        "ours-dax",
                                        "ours-auto", "ours-always-wb", "tmpfs"};
    int repeats = 3;
    int rounds = 1; // boots per column, alternating with the other columns
    int runtime_sec = 3;
    int size_mib = 64;
    bool quick = false;
    std::string daemon = "virtiofsd"; // for every virtio-fs column
    int smp = 2;
    std::string cpu = kDefaultCpu; // QEMU -cpu, every column
    std::string mem = "2G";
    std::string results; // parent of the results directory (default results/)
    std::string render;  // re-render this bench.json instead of running guests
    // --compare OLD NEW: two bench.json, NEW over OLD per cell (no guests);
    // --json prints that comparison as JSON instead of Markdown.
    std::vector<std::string> compare;
    bool json = false;
    // Same-run ratio floors (bench_floors.hpp); after a run or with --render.
    std::string floors;
    bool verbose = false; // stream the guest consoles
    // perf record -a -g in the guest around each fio job (guest_perf.hpp).
    bool profile = false;
    // perf record -a on the host around each fio job (host_perf.hpp).
    bool host_profile = false;
    std::string command_line; // as typed, for the record
    // --metadata: the metadata workloads (meta_command.hpp) instead of fio.
    bool metadata = false;
    std::vector<std::string> meta_columns = {"none", "auto", "always", "vtable", "9p"};
    std::vector<std::string> meta_workloads = {"git-status", "git-diff-stat", "find", "statstorm",
                                               "headerloop"};
    std::vector<std::string> meta_subtrees = {"fs", "include/linux"};
    int meta_repeats = 3;
    // Boots of every column, alternating, so that host load falls on all.
    int meta_rounds = 1;
};

// Declares `vfs-harness bench`, bound to `o` (which must outlive app).
CLI::App* add_bench_subcommand(CLI::App& app, BenchOptions& o);
// After parsing: applies --quick and validates (std::invalid_argument).
void finish_bench_cli(CLI::App& bench, BenchOptions& o);

} // namespace vfs
