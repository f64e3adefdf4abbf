#include "vm/run_options.hpp"

#include "daemon/rust_virtiofsd.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <stdexcept>
#include <unistd.h>

namespace vfs {

namespace {

[[noreturn]] void bad(const std::string& what) {
    throw std::invalid_argument(what);
}

bool one_of(const std::string& v, const std::vector<std::string>& set) {
    return std::find(set.begin(), set.end(), v) != set.end();
}

// Kernel command line words are split on spaces; mount options on commas
// are fine but quotes and spaces are not.
bool cmdline_safe(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isspace(c) || c == '"' || c == '\'' || c < 0x20;
    });
}

} // namespace

std::uint64_t parse_memory_mib(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        ++i;
    }
    if (i == 0 || i + 1 != s.size()) {
        bad(fmt::format("--mem: '{}' is not a size like 2G or 512M", s));
    }
    std::uint64_t n = std::stoull(s.substr(0, i));
    char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
    if (unit == 'G') {
        return n * 1024;
    }
    if (unit == 'M') {
        return n;
    }
    bad(fmt::format("--mem: '{}' has unknown unit '{}' (use M or G)", s, s[i]));
}

std::uint64_t parse_cache_size(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        ++i;
    }
    // At most 12 digits keeps the shifts below from overflowing.
    if (i == 0 || i > 12 || s.size() - i > 1) {
        bad(fmt::format("--cache-size: '{}' is not a size like 64M or 1G", s));
    }
    std::uint64_t n = std::stoull(s.substr(0, i));
    if (i < s.size()) {
        switch (std::toupper(static_cast<unsigned char>(s[i]))) {
        case 'K':
            n <<= 10;
            break;
        case 'M':
            n <<= 20;
            break;
        case 'G':
            n <<= 30;
            break;
        default:
            bad(fmt::format("--cache-size: '{}' has unknown unit '{}' (use K, M or G)", s, s[i]));
        }
    }
    // QEMU maps the window as a PCI BAR, whose size is a power of two, and
    // the backend maps whole pages into it.
    if (n != 0 && (n < 4096 || (n & (n - 1)) != 0)) {
        bad(fmt::format("--cache-size: '{}' must be 0 or a power of two of at least 4K", s));
    }
    return n;
}

std::string daemon_binary(const std::string& daemon) {
    if (daemon == "virtiofsd") {
        return "/usr/lib/qemu/virtiofsd";
    }
    if (daemon == RustVirtiofsd::kName) {
        return RustVirtiofsd::next_to_harness().wrapper().string();
    }
    if (daemon == "vfsd") {
        // Ours, built next to the harness (build/bin/vfsd).
        std::error_code ec;
        auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
        return ec ? daemon : (self.parent_path() / "vfsd").string();
    }
    return daemon;
}

std::uint64_t parse_version_table_size(const std::string& s) {
    try {
        return parse_cache_size(s);
    } catch (const std::invalid_argument&) {
        bad(fmt::format("--version-table: '{}' must be 0 or a power of two of at least 4K "
                        "(e.g. 16M)",
                        s));
    }
    return 0;
}

std::pair<unsigned, unsigned> parse_daemon_user(const std::string& s) {
    unsigned uid = 0, gid = 0;
    char end = 0;
    if (std::sscanf(s.c_str(), "%u:%u%c", &uid, &gid, &end) != 2 || s.front() == '-') {
        bad(fmt::format("--daemon-user: '{}' is not UID:GID (numbers)", s));
    }
    return {uid, gid};
}

void RunOptions::validate() const {
    if (!one_of(transport, known_transports())) {
        bad(fmt::format("--transport: '{}' is not one of ours, debian, 9p", transport));
    }
    if (!one_of(cache, known_cache_modes())) {
        bad(fmt::format("--cache: '{}' is not one of none, auto, always", cache));
    }
    if (smp < 1 || smp > 64) {
        bad(fmt::format("--smp: {} is out of range 1..64", smp));
    }
    auto mib = parse_memory_mib(mem);
    if (mib < 256 || mib > 64 * 1024) {
        bad(fmt::format("--mem: {} is out of range 256M..64G", mem));
    }
    if (queues < 1 || queues > 64) {
        bad(fmt::format("--queues: {} is out of range 1..64", queues));
    }
    if (timeout_sec < 1) {
        bad(fmt::format("--timeout: {} must be at least 1 second", timeout_sec));
    }
    if (tag.empty() || tag.size() > 36 || !cmdline_safe(tag) ||
        tag.find(',') != std::string::npos) {
        bad(fmt::format("--tag: '{}' must be 1-36 characters without spaces or commas", tag));
    }
    parse_cache_size(cache_size);
    if (parse_version_table_size(version_table) != 0 && (!uses_daemon() || daemon != "vfsd")) {
        bad("--version-table: needs --daemon vfsd (the table is vfsd's)");
    }
    if (!daemon_upgrade.empty() && !daemon_reconnect) {
        bad("--daemon-upgrade: needs --daemon-reconnect");
    }
    if (daemon_reconnect && !uses_daemon()) {
        bad("--daemon-reconnect: this transport has no daemon");
    }
    if (!daemon_user.empty()) {
        parse_daemon_user(daemon_user);
        if (!uses_daemon() || !daemon_upgrade.empty()) {
            bad("--daemon-user: needs a daemon, and not --daemon-upgrade");
        }
    }
    if (!cmdline_safe(opts)) {
        bad(fmt::format("--opts: '{}' must not contain spaces or quotes", opts));
    }
    if (uses_daemon() && daemon == RustVirtiofsd::kName) {
        RustVirtiofsd::next_to_harness().require_installed();
    }
    if (uses_daemon()) {
        auto bin = daemon_binary(daemon);
        if (::access(bin.c_str(), X_OK) != 0) {
            bad(fmt::format("--daemon: '{}' is not an executable file", bin));
        }
    }
    if (uses_daemon() && (daemon == "virtiofsd" || daemon == RustVirtiofsd::kName) && queues > 1) {
        // Observed: QEMU 7.2's virtiofsd dies with "Invalid queue index: 2";
        // Rust virtiofsd has one request queue too.
        bad(fmt::format("--queues: {} needs a multiqueue daemon (--daemon PATH); {} serves one "
                        "request queue",
                        queues, daemon));
    }
    if (shared && !std::filesystem::is_directory(*shared)) {
        bad(fmt::format("--shared: '{}' is not a directory", shared->string()));
    }
    if (command.empty()) {
        bad("no command given (vfs-harness run [options] -- CMD...)");
    }
}

} // namespace vfs
