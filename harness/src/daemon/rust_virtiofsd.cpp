#include "daemon/rust_virtiofsd.hpp"

#include <fmt/format.h>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace vfs {

RustVirtiofsd RustVirtiofsd::next_to_harness() {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    // build/bin/vfs-harness -> build/virtiofsd-rs
    auto build = ec ? std::filesystem::path("build") : self.parent_path().parent_path();
    return RustVirtiofsd(build / "virtiofsd-rs");
}

bool RustVirtiofsd::installed() const {
    return ::access(wrapper().c_str(), X_OK) == 0 &&
           std::filesystem::is_regular_file(dir_ / "version");
}

void RustVirtiofsd::require_installed() const {
    if (!installed()) {
        throw std::invalid_argument(
            fmt::format("--daemon {}: {} is missing; fetch Debian 13's virtiofsd with `make "
                        "virtiofsd-rs` (scripts/fetch-virtiofsd-rs.sh)",
                        kName, wrapper().string()));
    }
}

std::string RustVirtiofsd::version() const {
    std::ifstream in(dir_ / "version");
    std::string v;
    return std::getline(in, v) && !v.empty() ? v : "?";
}

std::vector<std::string> RustVirtiofsd::argv(const std::filesystem::path& socket,
                                             const std::filesystem::path& shared,
                                             const std::string& cache, bool writeback) const {
    std::vector<std::string> a = {
        wrapper().string(), "--socket-path=" + socket.string(), "--shared-dir=" + shared.string(),
        "--cache=" + (cache == "none" ? std::string("never") : cache), "--xattr"};
    if (writeback) {
        a.emplace_back("--writeback");
    }
    return a;
}

} // namespace vfs
