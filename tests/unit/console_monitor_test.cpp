#include "vm/console_monitor.hpp"

#include <catch2/catch.hpp>

using vfs::ConsoleMonitor;

TEST_CASE("markers drive the phases and the exit code", "[console]") {
    ConsoleMonitor m;
    CHECK(m.feed("[    4.0] Run /init as init process") == ConsoleMonitor::LineKind::Kernel);
    CHECK(m.feed("@@VFS-BEGIN\r") == ConsoleMonitor::LineKind::Marker);
    CHECK(m.phase() == ConsoleMonitor::Phase::Command);
    CHECK(m.feed("ok 1 x") == ConsoleMonitor::LineKind::CommandOutput);
    m.feed("@@VFS-EXIT 3");
    CHECK(m.exit_code() == 3);
    m.feed("@@VFS-DMESG-BEGIN");
    CHECK(m.feed("[    0.0] Linux version") == ConsoleMonitor::LineKind::DmesgOutput);
    CHECK_FALSE(m.dmesg_complete());
    m.feed("@@VFS-DMESG-END");
    CHECK(m.dmesg_complete());
    CHECK_FALSE(m.poweroff_started());
    m.feed("@@VFS-POWEROFF");
    CHECK(m.poweroff_started());
    CHECK(m.command_output() == std::vector<std::string>{"ok 1 x"});
    CHECK_FALSE(m.crashed());
}

TEST_CASE("panics and oopses are detected", "[console]") {
    SECTION("panic anywhere") {
        ConsoleMonitor m;
        m.feed("@@VFS-BEGIN");
        m.feed("Kernel panic - not syncing: Fatal exception");
        CHECK(m.panicked());
        CHECK(m.crashed());
    }
    SECTION("oops on the console") {
        ConsoleMonitor m;
        m.feed("[   12.5] BUG: kernel NULL pointer dereference, address: 0000000000000008");
        CHECK(m.crashed());
        CHECK_FALSE(m.panicked());
    }
    SECTION("WARNING only counts inside the dmesg section") {
        ConsoleMonitor m;
        m.feed("@@VFS-BEGIN");
        m.feed("WARNING: test printed this");
        m.feed("[   12.5] WARNING: CPU: 0 PID: 1 at fs/fuse/dev.c:1 x");
        CHECK_FALSE(m.crashed());
        m.feed("@@VFS-EXIT 0");
        m.feed("@@VFS-DMESG-BEGIN");
        m.feed("[   12.5] WARNING: CPU: 0 PID: 1 at fs/fuse/dev.c:1 x");
        CHECK(m.crashed());
    }
    SECTION("setup failure") {
        ConsoleMonitor m;
        m.feed("@@VFS-SETUP-FAILED insmod /lib/vfs/virtio_fs.ko");
        CHECK(m.setup_failure() == "insmod /lib/vfs/virtio_fs.ko");
    }
}
