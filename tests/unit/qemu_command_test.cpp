#include "vm/qemu_binary.hpp"
#include "vm/qemu_command.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string after(const std::vector<std::string>& v, const std::string& flag) {
    auto it = std::find(v.begin(), v.end(), flag);
    return it != v.end() && it + 1 != v.end() ? *(it + 1) : "";
}

} // namespace

TEST_CASE("kernel command line follows the contract", "[qemu]") {
    vfs::RunOptions o;
    o.transport = "debian";
    o.opts = "ro,noatime";
    o.mount = false;
    auto c = vfs::kernel_cmdline(o);
    CHECK(c.find("console=ttyS0") != std::string::npos);
    CHECK(c.find("vfs.transport=debian") != std::string::npos);
    CHECK(c.find("vfs.mount=0") != std::string::npos);
    CHECK(c.find("vfs.opts=ro,noatime") != std::string::npos);
    CHECK(c.find("vfs.tag=vfs0") != std::string::npos);
    // The guest keeps the TSC (the host's) instead of falling back to the HPET.
    CHECK(c.find("tsc=reliable") != std::string::npos);
}

TEST_CASE("QEMU argv for virtio-fs and 9p", "[qemu]") {
    vfs::RunOptions o;
    o.queues = 3;
    o.mem = "1G";
    vfs::QemuInputs in{"/k", "/i", "/s/sock", "/shared"};
    auto a = vfs::qemu_argv(o, in);
    CHECK(after(a, "-accel") == "tcg");
    // Without the fast-string features TCG runs a byte per pass on.
    CHECK(after(a, "-cpu") == "max,-erms,-fsrm");
    CHECK(after(a, "-object") == "memory-backend-memfd,id=mem,size=1G,share=on");
    CHECK(after(a, "-chardev") == "socket,id=c0,path=/s/sock");
    CHECK(after(a, "-device") ==
          "vhost-user-fs-pci,chardev=c0,tag=vfs0,queue-size=1024,num-request-queues=3");
    CHECK(has(a, "-no-reboot"));
    CHECK_FALSE(has(a, "-virtfs"));

    o.transport = "9p";
    auto b = vfs::qemu_argv(o, in);
    CHECK(after(b, "-virtfs") == "local,path=/shared,mount_tag=vfs0,security_model=none,id=h0");
    CHECK_FALSE(has(b, "-chardev"));

    o.cpu = "qemu64";
    CHECK(after(vfs::qemu_argv(o, in), "-cpu") == "qemu64");
}

TEST_CASE("daemon argv", "[qemu]") {
    vfs::RunOptions o;
    o.cache = "always";
    o.writeback = true;
    auto a = vfs::daemon_argv(o, "/s/sock", "/shared");
    CHECK(a[0] == "/usr/lib/qemu/virtiofsd");
    CHECK(has(a, "--socket-path=/s/sock"));
    CHECK(has(a, "source=/shared"));
    CHECK(has(a, "cache=always"));
    CHECK(has(a, "writeback"));
    o.daemon = "/opt/mydaemon";
    o.writeback = false;
    auto b = vfs::daemon_argv(o, "/s/sock", "/shared");
    CHECK(b[0] == "/opt/mydaemon");
    CHECK_FALSE(has(b, "writeback"));
    CHECK_FALSE(has(b, "sandbox=chroot"));
}

TEST_CASE("daemon-user runs the daemon through setpriv as UID:GID", "[qemu]") {
    vfs::RunOptions o;
    o.daemon = "/opt/mydaemon";
    o.daemon_args = {"--translate-uid=map:0:1:1"};
    o.daemon_user = "4242:4343";
    auto a = vfs::daemon_argv(o, "/s/sock", "/shared");
    REQUIRE(a.size() > 6);
    CHECK(std::vector<std::string>(a.begin(), a.begin() + 6) ==
          std::vector<std::string>{"setpriv", "--reuid=4242", "--regid=4343", "--clear-groups",
                                   "--", "/opt/mydaemon"});
    CHECK(a.back() == "--translate-uid=map:0:1:1");
    CHECK(vfs::parse_daemon_user("0:0") == std::pair<unsigned, unsigned>{0, 0});
    for (const char* bad : {"", "4242", "4242:", ":1", "a:b", "1:2:3", "-1:2", "1:2x"}) {
        INFO(bad);
        CHECK_THROWS_AS(vfs::parse_daemon_user(bad), std::invalid_argument);
    }
}

TEST_CASE("cache-size adds the DAX window and the patched QEMU's firmware dirs", "[qemu]") {
    vfs::RunOptions o;
    vfs::QemuInputs in{"/k", "/i", "/s/sock", "/shared"};
    auto plain = vfs::qemu_argv(o, in);
    CHECK(plain[0] == "qemu-system-x86_64");
    CHECK_FALSE(has(plain, "-L"));
    CHECK(after(plain, "-device").find("cache-size") == std::string::npos);

    o.cache_size = "64M";
    o.qemu = "/cache/qemu-system-x86_64";
    auto a = vfs::qemu_argv(o, in);
    CHECK(a[0] == "/cache/qemu-system-x86_64");
    CHECK(after(a, "-device") == "vhost-user-fs-pci,chardev=c0,tag=vfs0,queue-size=1024,"
                                 "num-request-queues=1,cache-size=64M");
    auto l1 = std::find(a.begin(), a.end(), "-L");
    REQUIRE(l1 != a.end());
    CHECK(*(l1 + 1) == "/usr/share/seabios");
    CHECK(*(l1 + 2) == "-L");
    CHECK(*(l1 + 3) == "/usr/share/qemu");

    // 9p has no vhost-user device, so no window; the binary still applies.
    o.transport = "9p";
    auto b = vfs::qemu_argv(o, in);
    CHECK(b[0] == "/cache/qemu-system-x86_64");
    CHECK_FALSE(has(b, "-device"));
}

TEST_CASE("cache sizes", "[qemu]") {
    CHECK(vfs::parse_cache_size("0") == 0);
    CHECK(vfs::parse_cache_size("4K") == 4096);
    CHECK(vfs::parse_cache_size("64M") == 64ULL << 20);
    CHECK(vfs::parse_cache_size("1g") == 1ULL << 30);
    CHECK(vfs::parse_cache_size("2097152") == 2ULL << 20);
    CHECK_THROWS_AS(vfs::parse_cache_size(""), std::invalid_argument);
    CHECK_THROWS_AS(vfs::parse_cache_size("M"), std::invalid_argument);
    CHECK_THROWS_AS(vfs::parse_cache_size("64MB"), std::invalid_argument);
    CHECK_THROWS_AS(vfs::parse_cache_size("64T"), std::invalid_argument);
    CHECK_THROWS_AS(vfs::parse_cache_size("96M"), std::invalid_argument); // not a power of two
    CHECK_THROWS_AS(vfs::parse_cache_size("2K"), std::invalid_argument);  // below a page
    CHECK_THROWS_AS(vfs::parse_cache_size("-1"), std::invalid_argument);
    CHECK_THROWS_AS(vfs::parse_cache_size("1234567890123G"), std::invalid_argument);
}

TEST_CASE("only a DAX window or reconnection without --qemu needs the patched build", "[qemu]") {
    vfs::RunOptions o;
    CHECK_FALSE(vfs::needs_patched_qemu(o));
    o.cache_size = "1G";
    CHECK(vfs::needs_patched_qemu(o));
    o.qemu = "/opt/qemu";
    CHECK_FALSE(vfs::needs_patched_qemu(o));
    o.qemu.clear();
    o.cache_size = "0";
    o.daemon_reconnect = true; // Debian's QEMU would not reconnect
    CHECK(vfs::needs_patched_qemu(o));
    o.transport = "9p";
    CHECK_FALSE(vfs::needs_patched_qemu(o));

    CHECK(vfs::last_line("building...\n/c/qemu-system-x86_64\n") == "/c/qemu-system-x86_64");
    CHECK(vfs::last_line("/only\n\n") == "/only");
    CHECK(vfs::last_line("") == "");
}

TEST_CASE("per-kernel arguments follow the default and an explicit command line", "[qemu]") {
    vfs::RunOptions o;
    o.kernel_args = "initcall_blacklist=virtio_fs_init";
    auto c = vfs::kernel_cmdline(o);
    CHECK(c.find("vfs.transport=ours") != std::string::npos);
    CHECK(c.size() > o.kernel_args.size());
    CHECK(c.substr(c.size() - o.kernel_args.size()) == o.kernel_args);
    o.cmdline = "console=ttyS0 root=x";
    CHECK(vfs::kernel_cmdline(o) == "console=ttyS0 root=x initcall_blacklist=virtio_fs_init");
}

TEST_CASE("daemon reconnection makes the chardev reconnect", "[qemu]") {
    vfs::RunOptions o;
    vfs::QemuInputs in{"/k", "/i", "/s/sock", "/shared"};
    CHECK(after(vfs::qemu_argv(o, in), "-chardev") == "socket,id=c0,path=/s/sock");
    o.daemon_reconnect = true;
    CHECK(after(vfs::qemu_argv(o, in), "-chardev") == "socket,id=c0,path=/s/sock,reconnect=1");
    o.daemon_upgrade = "/bin/true";
    o.command = "true";
    CHECK_NOTHROW(o.validate());
    o.daemon_reconnect = false;
    CHECK_THROWS_AS(o.validate(), std::invalid_argument);
}
