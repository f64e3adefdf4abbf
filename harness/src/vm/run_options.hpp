#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vfs {

// The guest CPU: every feature TCG has, except fast string copies.  QEMU
// 7.2's TCG runs `rep movsb` one byte per pass through a translated block,
// so with ERMS/FSRM the guest kernel's copies (copy_to_user, memcpy) cost
// several times what its unrolled loops do; on hardware it is the other way
// round (Documentation/benchmarks.md, "The guest CPU and clock").
inline constexpr const char* kDefaultCpu = "max,-erms,-fsrm";

// Everything that describes one guest boot. Filled by the CLI (`run`) or from
// a suite description (`test`), checked by validate().
struct RunOptions {
    std::string transport = "ours"; // ours | debian | 9p
    std::string daemon = "virtiofsd";
    std::vector<std::string> daemon_args; // extra arguments for the daemon
    // "UID:GID": the daemon runs as this user (setpriv, no supplementary
    // groups) and owns the socket's directory; empty: as the harness.
    std::string daemon_user;
    std::string cache = "auto"; // none | auto | always
    bool writeback = false;
    std::optional<std::filesystem::path> shared; // default: temp dir on /dev/shm
    int smp = 2;
    std::string cpu = kDefaultCpu; // QEMU -cpu
    std::string mem = "2G";
    int queues = 1;
    int timeout_sec = 300;
    bool mount = true;
    std::string opts;
    std::string tag = "vfs0";
    // QEMU binary; empty: Debian's, or for a DAX window the patched build
    // (resolve_qemu()).
    std::string qemu;
    // vhost-user-fs-pci cache-size= (the DAX window), as given; "0": none.
    std::string cache_size = "0";
    // vhost-user-fs-pci version-table-size= and vfsd --version-table=, as
    // given (Documentation/version-table.rst); "0": none.
    std::string version_table = "0";
    // More vhost-user-fs-pci properties, "name=value" each, e.g. the version
    // table's "version-table-size=16M" (which needs the patched QEMU).
    std::vector<std::string> device_props;
    // QEMU reconnects to a daemon that comes back on the socket (chardev
    // reconnect=1; the patched QEMU, Documentation/vfsd.md "Restart"), and the
    // guest may ask for "restart-daemon".
    bool daemon_reconnect = false;
    // The binary "restart-daemon upgrade" starts instead of the daemon's own.
    std::string daemon_upgrade;
    bool keep_logs = false;
    bool quiet = false; // stream only the command's output, not the whole console
    std::string command;
    // Overrides for boots that are not the guest-contract image (`boot`):
    std::optional<std::filesystem::path> kernel; // default build/kernel/vmlinuz
    std::optional<std::filesystem::path> initrd; // used as is; default: image + run archive
    std::string cmdline;                         // replaces kernel_cmdline() when set
    std::string kernel_args;     // appended to either (set per kernel by GuestSession)
    int poweroff_grace_sec = 20; // after the dmesg section, before QEMU is killed

    // Throws std::invalid_argument with a message naming the option.
    void validate() const;
    bool uses_daemon() const { return transport != "9p"; }
};

inline const std::vector<std::string>& known_transports() {
    static const std::vector<std::string> t = {"ours", "debian", "9p"};
    return t;
}
inline const std::vector<std::string>& known_cache_modes() {
    static const std::vector<std::string> c = {"none", "auto", "always"};
    return c;
}

// "2G", "512M", "1536m" -> MiB; throws std::invalid_argument otherwise.
std::uint64_t parse_memory_mib(const std::string& s);

// --cache-size: "0", or a power of two of at least 4K given in bytes or with
// a K, M or G suffix ("64M") -> bytes; throws std::invalid_argument otherwise.
std::uint64_t parse_cache_size(const std::string& s);

// --version-table: the same forms as --cache-size (a power of two, e.g. 16M).
std::uint64_t parse_version_table_size(const std::string& s);

// --daemon-user "UID:GID" -> the two ids; throws std::invalid_argument.
std::pair<unsigned, unsigned> parse_daemon_user(const std::string& s);

// Path of the daemon binary for --daemon (the name "virtiofsd" means QEMU's,
// "virtiofsd-rs" Debian 13's Rust virtiofsd, build/virtiofsd-rs/virtiofsd).
std::string daemon_binary(const std::string& daemon);

} // namespace vfs
