// `vfs-harness bench --profile`: the perf bundle on the share and the
// collection of the guest's reports.
#include "bench/guest_perf.hpp"
#include "util/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fstream>

using namespace vfs;
namespace fs = std::filesystem;

TEST_CASE("guest perf: the bundle holds perf, its libraries and the loader") {
    TempDir share(fs::temp_directory_path(), "vfs-perf-test");
    GuestPerf().install(share.path());
    auto dir = share.path() / GuestPerf::kBundleDir;
    CHECK(fs::file_size(dir / "perf") == fs::file_size("/usr/bin/perf"));
    CHECK(fs::is_regular_file(dir / "ld-linux-x86-64.so.2"));
    CHECK(fs::is_regular_file(dir / "libc.so.6"));
    CHECK(fs::is_directory(share.path() / GuestPerf::kReportDir));
    CHECK(GuestPerf::guest_env("/mnt") ==
          "VFS_PERF_DIR=/mnt/.vfs-perf VFS_PROFILE_OUT=/mnt/.vfs-profiles");
}

TEST_CASE("guest perf: a missing perf says which package") {
    TempDir share(fs::temp_directory_path(), "vfs-perf-test");
    CHECK_THROWS_WITH(GuestPerf("/nonexistent/perf").install(share.path()),
                      Catch::Contains("linux-perf"));
}

TEST_CASE("guest perf: reports are renamed by job, other files ignored") {
    TempDir share(fs::temp_directory_path(), "vfs-perf-test");
    auto reports = share.path() / GuestPerf::kReportDir;
    fs::create_directories(reports);
    std::ofstream(reports / "job-0.txt") << "zero\n";
    std::ofstream(reports / "job-7.txt") << "seven\n";
    std::ofstream(reports / "job-x.txt") << "bad id\n";
    std::ofstream(reports / "notes.txt") << "not a report\n";
    auto out = share.path() / "profiles";
    int n = GuestPerf::collect(share.path(), out, [](int id) { return fmt::format("row-{}", id); });
    CHECK(n == 2);
    CHECK(fs::is_regular_file(out / "row-0.txt"));
    CHECK(fs::is_regular_file(out / "row-7.txt"));
    CHECK_FALSE(fs::exists(out / "row-x.txt"));
    CHECK(GuestPerf::collect(share.path() / "none", out, [](int) { return std::string(); }) == 0);
}
