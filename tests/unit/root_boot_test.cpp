#include "boot/boot_cli.hpp"
#include "boot/boot_command.hpp"
#include "boot/root_boot_options.hpp"
#include "vm/qemu_command.hpp"

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>

namespace {

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("root boot command line names the tag and the agent", "[rootboot]") {
    vfs::RootBootOptions o;
    o.run.tag = "rootfs";
    o.rootflags = "request_timeout=30";
    o.rootdelay = 7;
    auto c = vfs::root_boot_cmdline(o);
    CHECK(contains(c, "rootfstype=virtiofs root=rootfs rw"));
    CHECK(contains(c, "rootflags=request_timeout=30"));
    CHECK(contains(c, "rootdelay=7"));
    CHECK(contains(c, "systemd.wants=vfs-agent.service"));
    CHECK(contains(c, "systemd.mask=serial-getty@ttyS0.service"));
    CHECK_FALSE(contains(c, "vfs.transport="));

    o.install_agent = false;
    o.rootflags.clear();
    o.append = "root=other";
    c = vfs::root_boot_cmdline(o);
    CHECK_FALSE(contains(c, "rootflags="));
    CHECK_FALSE(contains(c, "vfs-agent"));
    // Appended words come last, so they win in the initramfs's parser.
    CHECK(c.rfind("root=other") > c.find("root=rootfs"));
}

TEST_CASE("RunOptions.cmdline replaces the contract command line", "[rootboot]") {
    vfs::RunOptions r;
    r.cmdline = "console=ttyS0 root=x";
    CHECK(vfs::kernel_cmdline(r) == "console=ttyS0 root=x");
}

TEST_CASE("boot refuses the host's / and bad rootflags", "[rootboot]") {
    vfs::RootBootOptions o;
    o.run.command = "true";
    o.root = "/";
    CHECK_THROWS_AS(o.validate(), std::invalid_argument);
    o.root.reset();
    o.rootflags = "a b";
    CHECK_THROWS_AS(o.validate(), std::invalid_argument);
    o.rootflags = "ro";
    o.rootdelay = 0;
    CHECK_THROWS_AS(o.validate(), std::invalid_argument);
}

TEST_CASE("boot subcommand parses", "[rootboot][cli]") {
    CLI::App app;
    vfs::BootCliOptions o;
    auto* boot = vfs::add_boot_subcommand(app, o);
    const char* argv[] = {"vfs-harness", "boot", "--rootflags", "ro",   "--append",
                          "quiet",       "--",   "echo",        "hello"};
    app.parse(static_cast<int>(std::size(argv)), argv);
    REQUIRE(boot->parsed());
    vfs::finish_boot_cli(o);
    CHECK(o.boot.run.command == "echo hello");
    CHECK(o.boot.rootflags == "ro");
    CHECK(o.boot.append == "quiet");
    CHECK_FALSE(o.boot.root.has_value());
    CHECK(o.boot.run.timeout_sec == 600);
}

TEST_CASE("a clean shutdown is recognised on the console", "[rootboot]") {
    CHECK(vfs::console_shows_power_down("[   30.1] reboot: Power down\n"));
    CHECK_FALSE(vfs::console_shows_power_down("@@VFS-DMESG-END\n[vfs-harness] guest did not "
                                              "power off; QEMU killed\n"));
}
