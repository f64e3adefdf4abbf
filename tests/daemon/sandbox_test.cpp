// The real vfsd binary, started as an operator would: is the sandbox in
// place?  Namespaces other than ours, seccomp in filter mode, only the
// capabilities it lists, and the shared directory as its root.
#include "vfsd_process.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <linux/capability.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using vfsd::test::read_text;
using vfsd::test::VfsdProcess;

namespace {

std::string ns_of(pid_t pid, const char* ns) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(
        "/proc/" + (pid ? std::to_string(pid) : std::string("self")) + "/ns/" + ns, ec);
    return ec ? std::string() : target.string();
}

// The value of "Key:" in /proc/<pid>/status.
std::string status_field(pid_t pid, const std::string& key) {
    std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/status"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key + ":", 0) == 0) {
            auto v = line.substr(key.size() + 1);
            return v.substr(v.find_first_not_of(" \t"));
        }
    }
    return {};
}

std::uint64_t hex(const std::string& s) {
    return s.empty() ? ~0ull : std::stoull(s, nullptr, 16);
}

constexpr std::uint64_t bit(int cap) {
    return 1ull << cap;
}

// daemon/app/sandbox.cpp's list; not dac_read_search, which only a daemon
// opening files by handle keeps.
constexpr std::uint64_t kAllowedCaps = bit(CAP_CHOWN) | bit(CAP_DAC_OVERRIDE) | bit(CAP_FOWNER) |
                                       bit(CAP_FSETID) | bit(CAP_SETGID) | bit(CAP_SETUID) |
                                       bit(CAP_MKNOD) | bit(CAP_SETFCAP);

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
    struct stat sa, sb;
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

} // namespace

TEST_CASE("vfsd runs confined by default", "[sandbox]") {
    VfsdProcess vfsd;
    REQUIRE(vfsd.wait_ready());
    INFO(vfsd.log());
    const pid_t server = vfsd.server_pid();
    REQUIRE(server > 0);
    CHECK(server != vfsd.started_pid()); // a child in a new pid namespace

    for (const char* ns : {"mnt", "pid", "net", "ipc"}) {
        INFO("namespace " << ns);
        const auto theirs = ns_of(server, ns);
        REQUIRE_FALSE(theirs.empty());
        CHECK(theirs != ns_of(0, ns));
    }
    if (::geteuid() != 0) {
        CHECK(ns_of(server, "user") != ns_of(0, "user"));
    }
    CHECK(status_field(server, "Seccomp") == "2");
    CHECK(status_field(server, "NoNewPrivs") == "1");
    const auto eff = hex(status_field(server, "CapEff"));
    const auto prm = hex(status_field(server, "CapPrm"));
    const auto bnd = hex(status_field(server, "CapBnd"));
    CHECK(eff == kAllowedCaps);
    CHECK(prm == kAllowedCaps);
    CHECK(bnd == kAllowedCaps);
    CHECK(hex(status_field(server, "CapInh")) == 0);
    CHECK(hex(status_field(server, "CapAmb")) == 0);
    // Its root is the shared directory, and no host file is in its view.
    CHECK(same_file("/proc/" + std::to_string(server) + "/root", vfsd.share));
    CHECK(std::filesystem::exists("/proc/" + std::to_string(server) + "/root/file"));
    CHECK_FALSE(std::filesystem::exists("/proc/" + std::to_string(server) + "/root/proc"));
    // Its mount table holds the shared directory and nothing else of the
    // host's (the share has no submounts here).
    const auto mounts = read_text("/proc/" + std::to_string(server) + "/mounts");
    CHECK(std::count(mounts.begin(), mounts.end(), '\n') == 1);
    CHECK(mounts.find(" / ") != std::string::npos);

    CHECK(vfsd.stop() >= 0);
}

TEST_CASE("sandbox=chroot and sandbox=none still filter system calls", "[sandbox]") {
    const char* mode = GENERATE("chroot", "none");
    if (std::string(mode) == "chroot" && ::geteuid() != 0) {
        return; // chroot needs root; covered by the root run
    }
    VfsdProcess vfsd({std::string("--sandbox=") + mode});
    REQUIRE(vfsd.wait_ready());
    INFO(mode << "\n" << vfsd.log());
    const pid_t server = vfsd.server_pid();
    CHECK(server == vfsd.started_pid());
    CHECK(status_field(server, "Seccomp") == "2");
    CHECK(ns_of(server, "mnt") == ns_of(0, "mnt"));
    if (std::string(mode) == "chroot") {
        CHECK(same_file("/proc/" + std::to_string(server) + "/root", vfsd.share));
    }
    CHECK(vfsd.stop() >= 0);
}
