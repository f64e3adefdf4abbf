// `vfs-harness bench --host-profile`: perf on the host around a job, and
// the report per job.
#include "bench/host_perf.hpp"
#include "util/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

using namespace vfs;
namespace fs = std::filesystem;

namespace {

std::string own_comm() {
    std::ifstream f("/proc/self/comm");
    std::string comm;
    std::getline(f, comm);
    return comm;
}

void burn_cpu(std::chrono::milliseconds how_long) {
    const auto end = std::chrono::steady_clock::now() + how_long;
    volatile unsigned long x = 0;
    while (std::chrono::steady_clock::now() < end) {
        x = x + 1;
    }
}

} // namespace

TEST_CASE("host perf: a missing perf says which package") {
    CHECK_THROWS_WITH(HostPerf::check_usable("/nonexistent/perf"), Catch::Contains("linux-perf"));
}

TEST_CASE("host perf: a recorded job is reported by thread name, the recording removed") {
    // Needs root or perf_event_paranoid <= 0, as `bench --host-profile` does.
    HostPerf::check_usable();
    TempDir dir(fs::temp_directory_path(), "vfs-host-perf-test");
    HostPerf perf(dir.path());
    perf.begin("seqread-psync-rep1");
    burn_cpu(std::chrono::milliseconds(1500));
    perf.end();
    CHECK(perf.report() == 1);
    std::ifstream f(dir.path() / "seqread-psync-rep1.txt");
    std::stringstream text;
    text << f.rdbuf();
    CHECK_THAT(text.str(), Catch::Contains("host CPU samples by thread name"));
    CHECK_THAT(text.str(), Catch::Contains(own_comm())); // the thread that burnt the CPU
    CHECK_FALSE(fs::exists(dir.path() / "seqread-psync-rep1.data"));
}
