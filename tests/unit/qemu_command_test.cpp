#include "qemu_command.hpp"

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
}

TEST_CASE("QEMU argv for virtio-fs and 9p", "[qemu]") {
    vfs::RunOptions o;
    o.queues = 3;
    o.mem = "1G";
    vfs::QemuInputs in{"/k", "/i", "/s/sock", "/shared"};
    auto a = vfs::qemu_argv(o, in);
    CHECK(after(a, "-accel") == "tcg");
    CHECK(after(a, "-cpu") == "max");
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
