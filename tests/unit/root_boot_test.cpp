#include "boot/boot_cli.hpp"
#include "boot/boot_command.hpp"
#include "boot/root_boot_options.hpp"
#include "boot/root_init.hpp"
#include "util/string_util.hpp"
#include "vm/qemu_command.hpp"

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

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

namespace {

// A scratch guest tree, removed with the test.
struct Tree {
    std::filesystem::path root;
    Tree() {
        char tmpl[] = "/tmp/vfs-root-init-XXXXXX";
        root = mkdtemp(tmpl);
    }
    ~Tree() { std::filesystem::remove_all(root); }
    void file(const std::string& p) const {
        std::filesystem::create_directories((root / p).parent_path());
        vfs::write_file((root / p).string(), "#!/bin/sh\n");
    }
    void link(const std::string& p, const std::string& target) const {
        std::filesystem::create_directories((root / p).parent_path());
        std::filesystem::create_symlink(target, root / p);
    }
};

} // namespace

TEST_CASE("root init: systemd through Debian's merged-/usr links", "[rootboot]") {
    Tree t;
    t.file("usr/lib/systemd/systemd");
    t.link("lib", "usr/lib");
    t.link("sbin", "usr/sbin");
    // Absolute: must resolve inside the tree, never on the host.
    t.link("usr/sbin/init", "/lib/systemd/systemd");
    auto i = vfs::detect_root_init(t.root, "/sbin/init");
    CHECK(i.kind == vfs::RootInit::Kind::Systemd);
    CHECK(i.resolved == "/usr/lib/systemd/systemd");
}

TEST_CASE("root init: busybox tree is not systemd; wrapper needs /bin/sh", "[rootboot]") {
    Tree t;
    t.file("bin/busybox");
    t.link("sbin/init", "../bin/busybox");
    auto i = vfs::detect_root_init(t.root, "/sbin/init");
    CHECK(i.kind == vfs::RootInit::Kind::Other);
    CHECK(i.resolved == "/bin/busybox");
    CHECK_FALSE(vfs::root_has_shell(t.root));
    t.link("bin/sh", "busybox");
    CHECK(vfs::root_has_shell(t.root));
}

TEST_CASE("root init: missing, dangling and looping inits", "[rootboot]") {
    Tree t;
    CHECK(vfs::detect_root_init(t.root, "/sbin/init").kind == vfs::RootInit::Kind::Missing);
    t.link("sbin/init", "/nowhere/systemd");
    CHECK(vfs::detect_root_init(t.root, "/sbin/init").kind == vfs::RootInit::Kind::Missing);
    t.link("bin/a", "b");
    t.link("bin/b", "a");
    CHECK(vfs::detect_root_init(t.root, "/bin/a").kind == vfs::RootInit::Kind::Missing);
    // A host path that exists must not count: the link is the guest's.
    t.link("sbin/host", "/bin/sh");
    CHECK(vfs::detect_root_init(t.root, "/sbin/host").kind == vfs::RootInit::Kind::Missing);
}

TEST_CASE("root init: init= on the command line, last one wins", "[rootboot]") {
    CHECK(vfs::init_from_cmdline("quiet") == "/sbin/init");
    CHECK(vfs::init_from_cmdline("init=/bin/sh x init=/sbin/other") == "/sbin/other");
    CHECK(vfs::init_from_cmdline("rdinit=/x") == "/sbin/init");
}

TEST_CASE("a non-systemd root boots with the agent's init wrapper", "[rootboot]") {
    vfs::RootBootOptions o;
    o.run.tag = "rootfs";
    o.agent_as_init = true;
    auto c = vfs::root_boot_cmdline(o);
    CHECK(contains(c, std::string(" init=") + vfs::kAgentInitPath));
    CHECK_FALSE(contains(c, "systemd.wants=vfs-agent.service"));
}
