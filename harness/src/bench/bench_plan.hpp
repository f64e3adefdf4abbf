#pragma once

#include <string>
#include <vector>

namespace vfs {

// One row of the cover letter's fio table: WORKLOAD-ENGINE[-multi].
struct BenchRow {
    std::string workload; // seqread | randread | seqwrite | randwrite
    std::string engine;   // psync | mmap | libaio
    bool multi = false;   // 4 jobs, one file each (else 1 job)

    std::string name() const; // "seqread-psync", "randwrite-libaio-multi"
    int numjobs() const { return multi ? 4 : 1; }
    bool writes() const; // seqwrite / randwrite
    bool operator==(const BenchRow&) const = default;

    // Inverse of name(); throws std::invalid_argument for unknown rows.
    static BenchRow parse(const std::string& name);
};

// One column: a guest configuration, booted once per bench run.
struct BenchColumn {
    std::string id;        // "9p", "debian", "ours", "ours-auto", ...
    std::string label;     // table heading
    std::string transport; // ours | debian | 9p
    std::string cache;     // daemon cache mode (virtio-fs columns)
    bool writeback = false;
    bool guest_tmpfs = false;  // no shared dir: the guest's own tmpfs (ceiling)
    std::string daemon;        // empty: bench --daemon (virtio-fs columns)
    std::string opts;          // extra mount options, e.g. "dax"
    std::string cache_size;    // DAX window (patched QEMU); empty: none
    std::string version_table; // version table size (patched QEMU); empty: none

    bool uses_daemon() const { return !guest_tmpfs && transport != "9p"; }
};

const std::vector<std::string>& bench_workloads(); // in the cover letter's order
const std::vector<std::string>& bench_engines();   // psync, mmap, libaio
const std::vector<BenchColumn>& bench_columns();   // every known column, in table order
// Throws std::invalid_argument naming the unknown id.
const BenchColumn& bench_column(const std::string& id);
// The column as it runs on the guest kernel: where Debian's virtiofs is built
// into the kernel (Debian 13's 6.12), its columns' headings say so.
BenchColumn bench_column_on_kernel(const std::string& id, bool debian_builtin);

// Rows in the cover letter's order (workload, engine, single before multi),
// restricted to the given workloads, engines and modes ("single", "multi").
std::vector<BenchRow> select_rows(const std::vector<std::string>& workloads,
                                  const std::vector<std::string>& engines,
                                  const std::vector<std::string>& modes);
// The --quick subset: every workload and engine at least once, both modes.
std::vector<BenchRow> quick_rows();

// One fio run inside a column's boot.
struct BenchJob {
    int id = 0;          // unique within the boot, printed by the guest
    std::size_t row = 0; // index into the row list
    int rep = 0;         // 0-based repeat
};

// Repeat-major order: every row once, then every row again, so that slow
// drifts (other load on the host) spread over all rows instead of one.
std::vector<BenchJob> job_order(std::size_t rows, int repeats);

// The guest command line for one boot: tests/fio/bench-run.sh with the jobs.
std::string bench_guest_command(const std::vector<BenchRow>& rows,
                                const std::vector<BenchJob>& jobs, const std::string& dir,
                                int size_mib, int runtime_sec);

} // namespace vfs
