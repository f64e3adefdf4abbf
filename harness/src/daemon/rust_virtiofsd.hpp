#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vfs {

// Debian 13's Rust virtiofsd, fetched by scripts/fetch-virtiofsd-rs.sh into
// build/virtiofsd-rs and run through trixie's own loader (the wrapper script
// there). `--daemon virtiofsd-rs` selects it; it keeps its default sandbox
// (namespaces) and seccomp policy (kill), as a user would run it.
class RustVirtiofsd {
public:
    static constexpr const char* kName = "virtiofsd-rs";

    explicit RustVirtiofsd(std::filesystem::path install_dir) : dir_(std::move(install_dir)) {}
    // build/virtiofsd-rs beside build/bin, where the harness runs from.
    static RustVirtiofsd next_to_harness();

    // The wrapper that runs the binary through its own loader.
    std::filesystem::path wrapper() const { return dir_ / "virtiofsd"; }
    bool installed() const;
    // Throws std::invalid_argument saying how to fetch it when not installed.
    void require_installed() const;
    // The package version ("1.13.2-1+deb13u1"); "?" when unknown.
    std::string version() const;

    // Command line for one VM: the harness's cache modes (none, auto,
    // always) map to its --cache never/auto/always; xattrs are on, as with
    // QEMU's virtiofsd in the harness (the in-guest suites use them).
    std::vector<std::string> argv(const std::filesystem::path& socket,
                                  const std::filesystem::path& shared, const std::string& cache,
                                  bool writeback) const;

private:
    std::filesystem::path dir_;
};

} // namespace vfs
