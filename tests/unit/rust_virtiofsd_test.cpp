// Debian 13's Rust virtiofsd as a daemon choice (--daemon virtiofsd-rs) and
// its bench columns: command line, install check, and the report's pairs.
#include "bench/bench_plan.hpp"
#include "bench/bench_results.hpp"
#include "daemon/rust_virtiofsd.hpp"
#include "report/bench_report.hpp"
#include "util/temp_dir.hpp"
#include "vm/qemu_command.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>

using namespace vfs;

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

BenchSample ok_sample(const std::string& column, const std::string& row, int rep, double bw) {
    BenchSample s;
    s.column = column;
    s.row = row;
    s.rep = rep;
    s.ok = true;
    s.bw_mib = bw;
    s.io_bytes = 4096 * 1000;
    return s;
}

} // namespace

TEST_CASE("virtiofsd-rs: cache modes, xattrs, writeback; default sandbox kept") {
    RustVirtiofsd rs("/b/virtiofsd-rs");
    CHECK(rs.wrapper() == "/b/virtiofsd-rs/virtiofsd");
    auto a = rs.argv("/s/sock", "/shared", "none", false);
    CHECK(a[0] == "/b/virtiofsd-rs/virtiofsd");
    CHECK(has(a, "--socket-path=/s/sock"));
    CHECK(has(a, "--shared-dir=/shared"));
    CHECK(has(a, "--cache=never"));
    CHECK(has(a, "--xattr"));
    CHECK_FALSE(has(a, "--writeback"));
    CHECK(std::none_of(a.begin(), a.end(),
                       [](const std::string& s) { return s.rfind("--sandbox", 0) == 0; }));
    CHECK(std::none_of(a.begin(), a.end(),
                       [](const std::string& s) { return s.rfind("--seccomp", 0) == 0; }));
    auto b = rs.argv("/s/sock", "/shared", "always", true);
    CHECK(has(b, "--cache=always"));
    CHECK(has(b, "--writeback"));
    CHECK(has(rs.argv("/s", "/d", "auto", false), "--cache=auto"));
}

TEST_CASE("virtiofsd-rs: the harness's daemon argv uses it, extra arguments last") {
    RunOptions o;
    o.daemon = RustVirtiofsd::kName;
    o.cache = "none";
    o.daemon_args = {"--thread-pool-size=4"};
    auto a = daemon_argv(o, "/s/sock", "/shared");
    CHECK(a[0].ends_with("virtiofsd-rs/virtiofsd"));
    CHECK(has(a, "--cache=never"));
    CHECK_FALSE(has(a, "-o")); // none of QEMU's virtiofsd's options
    CHECK(a.back() == "--thread-pool-size=4");
}

TEST_CASE("virtiofsd-rs: a missing install says how to fetch it") {
    TempDir dir(std::filesystem::temp_directory_path(), "vfs-rs-test");
    RustVirtiofsd rs(dir.path());
    CHECK_FALSE(rs.installed());
    CHECK(rs.version() == "?");
    try {
        rs.require_installed();
        FAIL("no exception");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("make virtiofsd-rs") != std::string::npos);
    }
    {
        std::ofstream(dir.path() / "virtiofsd") << "#!/bin/sh\n";
        std::ofstream(dir.path() / "version") << "1.13.2-1\n";
    }
    std::filesystem::permissions(dir.path() / "virtiofsd", std::filesystem::perms::owner_all);
    CHECK(rs.installed());
    CHECK(rs.version() == "1.13.2-1");
    CHECK_NOTHROW(rs.require_installed());
}

TEST_CASE("virtiofsd-rs: bench columns and the vfsd / virtiofsd / virtiofsd-rs ratios") {
    CHECK(bench_column("ours-rs").daemon == RustVirtiofsd::kName);
    CHECK(bench_column("ours-rs").transport == "ours");
    CHECK(bench_column("ours-rs").cache == "none");
    CHECK(bench_column("debian-rs").transport == "debian");
    CHECK(bench_column("debian-rs").daemon == RustVirtiofsd::kName);
    CHECK(bench_column("ours-rs-auto").cache == "auto");
    CHECK(bench_column("ours-vfsd-auto").daemon == "vfsd");
    CHECK(bench_column_on_kernel("debian-rs", true).label ==
          "debian built-in virtiofs none, virtiofsd-rs");

    BenchResults r;
    r.meta = {{"repeats", 3}, {"runtime_sec", 3}, {"size_mib", 64}, {"smp", 2}, {"mem", "2G"}};
    r.rows = {BenchRow::parse("seqread-psync")};
    r.columns = {bench_column("ours"), bench_column("ours-vfsd"), bench_column("ours-rs")};
    for (int rep = 0; rep < 3; ++rep) {
        r.samples.push_back(ok_sample("ours", "seqread-psync", rep, 10 + rep));
        r.samples.push_back(ok_sample("ours-vfsd", "seqread-psync", rep, 20 + rep));
        r.samples.push_back(ok_sample("ours-rs", "seqread-psync", rep, 40 + rep));
    }
    auto md = BenchReport(r).markdown();
    CHECK(md.find("ours-vfsd / ours") != std::string::npos);
    CHECK(md.find("ours-vfsd / ours-rs") != std::string::npos);
    // 21/11 and 21/41; vfsd beats C virtiofsd, loses to Rust beyond the spread.
    CHECK(md.find("| seqread-psync | 1.91 | 0.51 | ok | **slower** |") != std::string::npos);
    CHECK(md.find("vfsd vs virtiofsd-rs") != std::string::npos);
}
