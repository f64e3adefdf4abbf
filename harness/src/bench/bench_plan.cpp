#include "bench/bench_plan.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <stdexcept>

namespace vfs {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

std::string BenchRow::name() const {
    return fmt::format("{}-{}{}", workload, engine, multi ? "-multi" : "");
}

bool BenchRow::writes() const {
    return workload == "seqwrite" || workload == "randwrite";
}

BenchRow BenchRow::parse(const std::string& name) {
    for (const auto& w : bench_workloads()) {
        for (const auto& e : bench_engines()) {
            for (bool m : {false, true}) {
                BenchRow r{w, e, m};
                if (r.name() == name) {
                    return r;
                }
            }
        }
    }
    throw std::invalid_argument(fmt::format(
        "--row: '{}' is not a row (WORKLOAD-ENGINE[-multi], e.g. randread-libaio-multi)", name));
}

const std::vector<std::string>& bench_workloads() {
    static const std::vector<std::string> w = {"seqread", "randread", "seqwrite", "randwrite"};
    return w;
}

const std::vector<std::string>& bench_engines() {
    static const std::vector<std::string> e = {"psync", "mmap", "libaio"};
    return e;
}

const std::vector<BenchColumn>& bench_columns() {
    static const std::vector<BenchColumn> c = {
        {"9p", "9p cache=none", "9p", "none", false, false, "", "", "", ""},
        {"debian", "debian virtiofs.ko none", "debian", "none", false, false, "", "", "", ""},
        {"ours", "ours none", "ours", "none", false, false, "", "", "", ""},
        // Our module with our daemon: vfsd against QEMU's virtiofsd ("ours").
        {"ours-vfsd", "ours none, vfsd", "ours", "none", false, false, "vfsd", "", "", ""},
        // The sender polling for its reply (fs/fuse/vtfs_poll.c): the default
        // (poll_us=auto, above) against none and against a fixed window.
        {"ours-vfsd-nopoll", "ours none+poll_us=0, vfsd", "ours", "none", false, false, "vfsd",
         "poll_us=0", "", ""},
        {"ours-vfsd-poll", "ours none+poll_us=200, vfsd", "ours", "none", false, false, "vfsd",
         "poll_us=200", "", ""},
        // Debian 13's Rust virtiofsd (scripts/fetch-virtiofsd-rs.sh) with its
        // default sandbox, behind our module and behind Debian's: the daemon
        // users would pick instead of ours.
        {"ours-rs", "ours none, virtiofsd-rs", "ours", "none", false, false, "virtiofsd-rs", "", "",
         ""},
        {"debian-rs", "debian virtiofs.ko none, virtiofsd-rs", "debian", "none", false, false,
         "virtiofsd-rs", "", "", ""},
        // The cover letter's third column: cache=none plus DAX, with a window
        // larger than the 4 x 64 MiB working set so nothing is reclaimed.
        {"ours-dax", "ours none+dax, vfsd", "ours", "none", false, false, "vfsd", "dax", "512M",
         ""},
        // cache=none with the version table: the page cache while files
        // are unchanged (Documentation/version-table.rst).
        {"ours-vtable", "ours none+vtable, vfsd", "ours", "none", false, false, "vfsd", "", "",
         "16M"},
        // DAX with the version table: writes skip the per-write privilege
        // check while the file is unchanged (fs/fuse/vtfs_vfs_nosec.c).
        {"ours-dax-vtable", "ours none+dax+vtable, vfsd", "ours", "none", false, false, "vfsd",
         "dax", "512M", "16M"},
        {"ours-auto", "ours auto", "ours", "auto", false, false, "", "", "", ""},
        {"ours-always-wb", "ours always+wb", "ours", "always", true, false, "", "", "", ""},
        {"tmpfs", "guest tmpfs", "9p", "none", false, true, "", "", "", ""},
        // Not in the default set: Debian's module in the cached modes.
        {"debian-auto", "debian auto", "debian", "auto", false, false, "", "", "", ""},
        {"debian-always-wb", "debian always+wb", "debian", "always", true, false, "", "", "", ""},
        // vfsd against Rust virtiofsd with cache=auto (both behind our module).
        {"ours-vfsd-auto", "ours auto, vfsd", "ours", "auto", false, false, "vfsd", "", "", ""},
        {"ours-rs-auto", "ours auto, virtiofsd-rs", "ours", "auto", false, false, "virtiofsd-rs",
         "", "", ""},
    };
    return c;
}

const BenchColumn& bench_column(const std::string& id) {
    for (const auto& c : bench_columns()) {
        if (c.id == id) {
            return c;
        }
    }
    throw std::invalid_argument(fmt::format("--column: '{}' is not a known column", id));
}

BenchColumn bench_column_on_kernel(const std::string& id, bool debian_builtin) {
    auto c = bench_column(id);
    const std::string module_file = "virtiofs.ko";
    if (auto at = c.label.find(module_file); debian_builtin && at != std::string::npos) {
        c.label.replace(at, module_file.size(), "built-in virtiofs");
    }
    return c;
}

std::vector<BenchRow> select_rows(const std::vector<std::string>& workloads,
                                  const std::vector<std::string>& engines,
                                  const std::vector<std::string>& modes) {
    for (const auto& w : workloads) {
        if (!contains(bench_workloads(), w)) {
            throw std::invalid_argument(fmt::format("--workload: '{}' is not a workload", w));
        }
    }
    for (const auto& e : engines) {
        if (!contains(bench_engines(), e)) {
            throw std::invalid_argument(fmt::format("--engine: '{}' is not an engine", e));
        }
    }
    for (const auto& m : modes) {
        if (m != "single" && m != "multi") {
            throw std::invalid_argument(fmt::format("--mode: '{}' is not single or multi", m));
        }
    }
    std::vector<BenchRow> rows;
    for (const auto& w : bench_workloads()) {
        for (const auto& e : bench_engines()) {
            for (bool m : {false, true}) {
                if (contains(workloads, w) && contains(engines, e) &&
                    contains(modes, m ? "multi" : "single")) {
                    rows.push_back({w, e, m});
                }
            }
        }
    }
    return rows;
}

std::vector<BenchRow> quick_rows() {
    return {
        {"seqread", "psync", false},    {"seqread", "psync", true},    {"seqread", "mmap", false},
        {"randread", "libaio", false},  {"randread", "libaio", true},  {"seqwrite", "psync", false},
        {"randwrite", "libaio", false}, {"randwrite", "libaio", true},
    };
}

std::vector<BenchJob> job_order(std::size_t rows, int repeats) {
    std::vector<BenchJob> jobs;
    int id = 0;
    for (int rep = 0; rep < repeats; ++rep) {
        for (std::size_t r = 0; r < rows; ++r) {
            jobs.push_back({id++, r, rep});
        }
    }
    return jobs;
}

std::string bench_guest_command(const std::vector<BenchRow>& rows,
                                const std::vector<BenchJob>& jobs, const std::string& dir,
                                int size_mib, int runtime_sec) {
    auto cmd = fmt::format("sh /opt/vfs/fio/bench-run.sh {} {}m {}", dir, size_mib, runtime_sec);
    for (const auto& j : jobs) {
        const auto& r = rows.at(j.row);
        cmd += fmt::format(" {}:{}:{}:{}", j.id, r.workload, r.engine, r.numjobs());
    }
    return cmd;
}

} // namespace vfs
