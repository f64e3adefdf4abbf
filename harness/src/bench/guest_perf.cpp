#include "bench/guest_perf.hpp"

#include "image/ldd_output.hpp"

#include <fmt/format.h>
#include <stdexcept>
#include <unistd.h>

namespace fs = std::filesystem;

namespace vfs {

void GuestPerf::install(const fs::path& shared) const {
    if (::access(host_perf_.c_str(), X_OK) != 0) {
        throw std::runtime_error(fmt::format(
            "--profile: {} is missing (apt-get install linux-perf)", host_perf_.string()));
    }
    auto dir = shared / kBundleDir;
    fs::create_directories(dir);
    fs::create_directories(shared / kReportDir);
    fs::copy_file(host_perf_, dir / "perf", fs::copy_options::overwrite_existing);
    // The loader is among ldd's lines (/lib64/ld-linux-x86-64.so.2); flat
    // names keep --library-path to one directory.
    for (const auto& lib : shared_libraries_of(host_perf_.string())) {
        fs::copy_file(fs::canonical(lib), dir / fs::path(lib).filename(),
                      fs::copy_options::overwrite_existing);
    }
    if (!fs::exists(dir / "ld-linux-x86-64.so.2")) {
        throw std::runtime_error(
            fmt::format("--profile: ldd {} names no ld-linux-x86-64.so.2", host_perf_.string()));
    }
}

std::string GuestPerf::guest_env(const std::string& mount) {
    return fmt::format("VFS_PERF_DIR={}/{} VFS_PROFILE_OUT={}/{}", mount, kBundleDir, mount,
                       kReportDir);
}

} // namespace vfs
