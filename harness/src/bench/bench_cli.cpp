#include "bench/bench_cli.hpp"

#include "bench/bench_floors.hpp"
#include "bench/bench_plan.hpp"
#include "bench/meta_plan.hpp"
#include "vm/run_options.hpp"

#include <fmt/format.h>

namespace vfs {

CLI::App* add_bench_subcommand(CLI::App& app, BenchOptions& o) {
    auto* b = app.add_subcommand(
        "bench", "run the cover letter's fio matrix (rows: workload x engine x single/multi; "
                 "columns: 9p, Debian's module, ours in several cache modes, guest tmpfs) and "
                 "write bench.json, table.md and charts");
    b->add_option("--workload", o.workloads, "rows: workloads (comma-separated)")
        ->delimiter(',')
        ->check(CLI::IsMember(bench_workloads()))
        ->capture_default_str();
    b->add_option("--engine", o.engines, "rows: fio engines")
        ->delimiter(',')
        ->check(CLI::IsMember(bench_engines()))
        ->capture_default_str();
    b->add_option("--mode", o.modes, "rows: single (1 job) and/or multi (4 jobs)")
        ->delimiter(',')
        ->check(CLI::IsMember({"single", "multi"}))
        ->capture_default_str();
    b->add_option("--row", o.rows,
                  "rows by name, e.g. randread-libaio-multi (comma-separated; overrides "
                  "--workload/--engine/--mode)")
        ->delimiter(',');
    std::vector<std::string> ids;
    for (const auto& c : bench_columns()) {
        ids.push_back(c.id);
    }
    b->add_option("--column", o.columns, "columns (configurations), in table order")
        ->delimiter(',')
        ->check(CLI::IsMember(ids))
        ->capture_default_str();
    b->add_option("--repeat", o.repeats, "runs per cell (median and spread are reported)")
        ->check(CLI::Range(1, 50))
        ->capture_default_str();
    b->add_option("--rounds", o.rounds,
                  "boot every column this many times, columns alternating (each boot runs "
                  "--repeat repeats): spreads host noise over all columns")
        ->check(CLI::Range(1, 20))
        ->capture_default_str();
    b->add_option("--runtime", o.runtime_sec, "seconds per fio run")
        ->check(CLI::Range(1, 600))
        ->capture_default_str();
    b->add_option("--size", o.size_mib, "MiB per file (multi rows use 4 files)")
        ->check(CLI::Range(4, 4096))
        ->capture_default_str();
    b->add_flag("--quick", o.quick,
                "one repeat of a representative subset of rows (8 rows, every column)");
    b->add_option("--daemon", o.daemon,
                  "vhost-user-fs backend of the virtio-fs columns that name none: virtiofsd "
                  "(QEMU's), vfsd, virtiofsd-rs (Debian 13's Rust virtiofsd) or a PATH")
        ->capture_default_str();
    b->add_option("--cpu", o.cpu, "QEMU -cpu model, every column")->capture_default_str();
    b->add_option("--smp", o.smp, "guest CPUs")->check(CLI::Range(1, 64))->capture_default_str();
    b->add_option("--mem", o.mem, "guest memory")->capture_default_str();
    b->add_option("--results", o.results, "parent of the results directory (default results/)");
    b->add_option("--render", o.render,
                  "only re-render table.md and charts from an existing bench.json (no guests)")
        ->check(CLI::ExistingFile);
    b->add_option("--compare", o.compare,
                  "compare two results, OLD.json NEW.json: per row and column NEW/OLD with "
                  "both spreads, flagging changes beyond them (no guests)")
        ->expected(2)
        ->check(CLI::ExistingFile);
    b->add_flag("--json", o.json, "--compare: print JSON instead of Markdown");
    b->add_option("--floors", o.floors,
                  "same-run ratio floors (e.g. tests/fio/floors.txt): check them after the run "
                  "(or on --render's bench.json); exit 1 when one is below its floor")
        ->check(CLI::ExistingFile);
    b->add_flag("--profile", o.profile,
                "record `perf record -a -g` in the guest around each fio job (the host's "
                "perf, run from the share) and save `perf report --stdio` in "
                "col-*/profiles/; perf slows the guest, so read the profiles, not the table");
    b->add_flag("--host-profile", o.host_profile,
                "record `perf record -a` on the host around each fio job and save, per "
                "job, the CPU share of each thread (QEMU's vCPUs and main loop, the daemon's "
                "queue threads, idle) and a flat profile in col-*/host-profiles/ (needs root)");
    b->add_flag("-v,--verbose", o.verbose, "stream the guest consoles");
    b->add_flag("--metadata", o.metadata,
                "metadata workloads (git status, git diff --stat, find, stat storm, "
                "header loop) on a linux-source tree instead of fio; writes meta.json, "
                "table.md, meta.svg");
    std::vector<std::string> meta_ids;
    for (const auto& c : meta_columns()) {
        meta_ids.push_back(c.id);
    }
    b->add_option("--meta-column", o.meta_columns, "--metadata columns, in table order")
        ->delimiter(',')
        ->check(CLI::IsMember(meta_ids))
        ->capture_default_str();
    b->add_option("--meta-workload", o.meta_workloads, "--metadata workloads")
        ->delimiter(',')
        ->check(CLI::IsMember(meta_workloads()))
        ->capture_default_str();
    b->add_option("--meta-subtree", o.meta_subtrees,
                  "--metadata tree: directories of /usr/src/linux-source-*.tar.xz")
        ->delimiter(',')
        ->capture_default_str();
    b->add_option("--meta-repeat", o.meta_repeats, "--metadata: timed runs per cell")
        ->check(CLI::Range(1, 50))
        ->capture_default_str();
    b->add_option("--meta-rounds", o.meta_rounds,
                  "--metadata: boot every column this many times, columns alternating (each "
                  "boot runs --meta-repeat runs): spreads host noise over all columns")
        ->check(CLI::Range(1, 20))
        ->capture_default_str();
    return b;
}

void finish_bench_cli(CLI::App& bench, BenchOptions& o) {
    if (o.json && o.compare.empty()) {
        throw std::invalid_argument("--json: only with --compare OLD.json NEW.json");
    }
    if (!o.compare.empty() && (!o.render.empty() || !o.floors.empty() || o.metadata)) {
        throw std::invalid_argument("--compare: not with --render, --floors or --metadata");
    }
    if (!o.floors.empty()) {
        BenchFloors::load(o.floors); // a malformed file fails before any guest boots
    }
    if (o.quick) {
        if (bench.count("--repeat") == 0) {
            o.repeats = 1;
        }
        if (o.rows.empty() && bench.count("--workload") == 0 && bench.count("--engine") == 0 &&
            bench.count("--mode") == 0) {
            for (const auto& r : quick_rows()) {
                o.rows.push_back(r.name());
            }
        }
    }
    for (const auto& r : o.rows) {
        BenchRow::parse(r); // throws for unknown rows
    }
    if (o.columns.empty()) {
        throw std::invalid_argument("--column: at least one column is needed");
    }
    for (std::size_t i = 0; i < o.columns.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (o.columns[i] == o.columns[j]) {
                throw std::invalid_argument(
                    fmt::format("--column: '{}' listed twice", o.columns[i]));
            }
        }
    }
    parse_memory_mib(o.mem);
}

} // namespace vfs
