// Which version table slots each change bumps (PassthroughFs), and host
// changes seen by the fanotify watcher.
#include "fs/host_change_watcher.hpp"
#include "fs/passthrough_fs.hpp"
#include "fs/version_table.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <linux/falloc.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace vfsd;
namespace stdfs = std::filesystem;

namespace {

struct Scratch {
    stdfs::path root;
    Scratch() {
        char tmpl[] = "/tmp/vfsd-vtable-XXXXXX";
        root = ::mkdtemp(tmpl);
        stdfs::create_directories(root / "a");
        stdfs::create_directories(root / "b");
        std::ofstream(root / "a" / "f") << "hello\n";
        std::ofstream(root / "a" / "g") << "other\n";
    }
    ~Scratch() { stdfs::remove_all(root); }
};

struct Fixture {
    Scratch s;
    fs::VersionTable table{64 * 1024};
    fs::PassthroughFs pfs{s.root, {false, true, &table}};
    fs::Caller caller{::getuid(), ::getgid(), ::getpid()};

    fs::NodeId node(fs::NodeId parent, const char* name) {
        auto e = pfs.lookup(parent, name);
        REQUIRE(e.ok());
        return e->node;
    }
    // Versions of nodes before and after op: which ones moved.
    std::vector<bool> bumped(std::initializer_list<fs::NodeId> nodes,
                             const std::function<void()>& op) {
        std::vector<std::uint64_t> before;
        for (auto n : nodes) {
            before.push_back(table.version(n));
        }
        op();
        std::vector<bool> out;
        std::size_t i = 0;
        for (auto n : nodes) {
            out.push_back(table.version(n) > before[i++]);
        }
        return out;
    }
};

using B = std::vector<bool>;

} // namespace

TEST_CASE_METHOD(Fixture, "reads do not bump, changes to a file bump it", "[vtable][bump]") {
    const auto a = node(fs::kRootNode, "a");
    const auto f = node(a, "f");
    const auto g = node(a, "g");
    CHECK(bumped({a, f, g}, [&] {
              REQUIRE(pfs.getattr(f, std::nullopt).ok());
              REQUIRE(pfs.lookup(a, "f").ok());
              pfs.forget(f, 1);
          }) == B{false, false, false});

    fs::AttrChange chmod;
    chmod.mode = 0600;
    CHECK(bumped({a, f, g}, [&] { REQUIRE(pfs.setattr(f, chmod).ok()); }) ==
          B{false, true, false});

    auto h = pfs.open(f, O_RDWR);
    REQUIRE(h.ok());
    char buf[8] = "abcdefg";
    iovec iov{buf, sizeof(buf)};
    CHECK(bumped({a, f, g}, [&] {
              auto r = pfs.read(*h, std::span(&iov, 1), 0);
              REQUIRE(r.ok());
          }) == B{false, false, false});
    CHECK(bumped({a, f, g}, [&] { REQUIRE(pfs.write(*h, std::span(&iov, 1), 0).ok()); }) ==
          B{false, true, false});
    CHECK(bumped({a, f, g}, [&] { CHECK(pfs.fallocate(*h, 0, 0, 8192) == 0); }) ==
          B{false, true, false});

    auto hg = pfs.open(g, O_RDWR);
    REQUIRE(hg.ok());
    CHECK(bumped({a, f, g}, [&] { REQUIRE(pfs.copy_file_range(*h, 0, *hg, 0, 4, 0).ok()); }) ==
          B{false, false, true});
    CHECK(pfs.release(*hg) == 0);

    CHECK(bumped({a, f, g}, [&] { REQUIRE(pfs.open(f, O_RDONLY).ok()); }) ==
          B{false, false, false});
    CHECK(bumped({a, f, g}, [&] { REQUIRE(pfs.open(f, O_WRONLY | O_TRUNC).ok()); }) ==
          B{false, true, false});

    const char value[] = "v";
    if (pfs.setxattr(f, "user.vt", std::span(value, 1), 0) == 0) {
        CHECK(bumped({a, f, g}, [&] { CHECK(pfs.setxattr(f, "user.vt", std::span(value, 1), 0) == 0); }) ==
              B{false, true, false});
        CHECK(bumped({a, f, g}, [&] { CHECK(pfs.removexattr(f, "user.vt") == 0); }) ==
              B{false, true, false});
    } else {
        WARN("user xattrs not supported on /tmp: setxattr/removexattr bumps not checked");
    }
}

TEST_CASE_METHOD(Fixture, "creating entries bumps the directory", "[vtable][bump]") {
    const auto a = node(fs::kRootNode, "a");
    const auto b = node(fs::kRootNode, "b");
    CHECK(bumped({a, b}, [&] { REQUIRE(pfs.mkdir(a, "d", 0755, caller).ok()); }) == B{true, false});
    CHECK(bumped({a, b}, [&] { REQUIRE(pfs.mknod(a, "p", S_IFIFO | 0644, 0, caller).ok()); }) ==
          B{true, false});
    CHECK(bumped({a, b}, [&] { REQUIRE(pfs.symlink(a, "l", "f", caller).ok()); }) ==
          B{true, false});
    CHECK(bumped({a, b}, [&] {
              REQUIRE(pfs.create(a, "c", O_RDWR | O_EXCL, 0644, caller).ok());
          }) == B{true, false});
    // An existing file truncated by create changes too.
    const auto f = node(a, "f");
    CHECK(bumped({a, f}, [&] { REQUIRE(pfs.create(a, "f", O_RDWR | O_TRUNC, 0644, caller).ok()); }) ==
          B{true, true});
    // link: the file (link count) and the new directory.
    CHECK(bumped({a, b, f}, [&] { REQUIRE(pfs.link(f, b, "f2").ok()); }) == B{false, true, true});
}

TEST_CASE_METHOD(Fixture, "removing entries bumps the directory and the removed file",
                 "[vtable][bump]") {
    const auto a = node(fs::kRootNode, "a");
    const auto b = node(fs::kRootNode, "b");
    const auto f = node(a, "f");
    CHECK(bumped({a, b, f}, [&] { CHECK(pfs.unlink(a, "f") == 0); }) == B{true, false, true});
    REQUIRE(pfs.mkdir(b, "d", 0755, caller).ok());
    const auto d = node(b, "d");
    CHECK(bumped({a, b, d}, [&] { CHECK(pfs.rmdir(b, "d") == 0); }) == B{false, true, true});
    // A failed removal changes nothing.
    CHECK(bumped({a, b}, [&] { CHECK(pfs.unlink(a, "nothing") == ENOENT); }) == B{false, false});
}

TEST_CASE_METHOD(Fixture, "rename bumps both directories, the moved and the replaced file",
                 "[vtable][bump]") {
    const auto root = fs::kRootNode;
    const auto a = node(root, "a");
    const auto b = node(root, "b");
    const auto f = node(a, "f");
    const auto g = node(a, "g");
    CHECK(bumped({root, a, b, f, g}, [&] { CHECK(pfs.rename(a, "f", b, "f", 0) == 0); }) ==
          B{false, true, true, true, false});
    // Onto an existing name: the replaced file loses a link.
    CHECK(bumped({root, a, b, f, g}, [&] { CHECK(pfs.rename(b, "f", a, "g", 0) == 0); }) ==
          B{false, true, true, true, true});
    CHECK(bumped({root, a, b, f}, [&] { CHECK(pfs.rename(a, "g", b, "x", RENAME_NOREPLACE) == 0); }) ==
          B{false, true, true, true});
}

TEST_CASE_METHOD(Fixture, "host changes reported to the fs bump known nodes", "[vtable][bump]") {
    const auto a = node(fs::kRootNode, "a");
    const auto f = node(a, "f");
    struct stat st;
    REQUIRE(::stat((s.root / "a" / "f").c_str(), &st) == 0);
    CHECK(bumped({a, f}, [&] { pfs.host_changed(st.st_dev, st.st_ino); }) == B{false, true});
    CHECK(bumped({a, f}, [&] { pfs.host_changed(st.st_dev, 123456789); }) == B{false, false});
    CHECK(bumped({fs::kRootNode, a, f}, [&] { pfs.host_changed_all(); }) == B{true, true, true});
}

namespace {

// Runs change in a child process: the watcher ignores vfsd's own changes.
void in_child(const std::function<void()>& change) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        change();
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
}

// Polls the watcher until pred holds or a few seconds pass.
bool eventually(fs::HostChangeWatcher& w, const std::function<bool()>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        w.drain_now();
        if (pred()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

TEST_CASE_METHOD(Fixture, "the fanotify watcher bumps what a host process changed",
                 "[vtable][watcher]") {
    // Not a silent pass without privileges: this check needs them.
    if (::geteuid() != 0) {
        FAIL("fanotify filesystem marks need CAP_SYS_ADMIN: run the unit tests as root");
    }
    fs::HostChangeWatcher watcher(
        s.root, [&](dev_t dev, ino_t ino) { pfs.host_changed(dev, ino); },
        [&] { pfs.host_changed_all(); });
    const auto a = node(fs::kRootNode, "a");
    const auto b = node(fs::kRootNode, "b");
    const auto f = node(a, "f");
    const auto g = node(a, "g");
    watcher.drain_now();
    auto moved = [&](fs::NodeId n, std::uint64_t before) {
        return [&, n, before] { return table.version(n) > before; };
    };
    const auto root = s.root;

    auto v = table.version(f);
    in_child([&] { ::chmod((root / "a" / "f").c_str(), 0640); });
    CHECK(eventually(watcher, moved(f, v)));

    v = table.version(f);
    in_child([&] { std::ofstream(root / "a" / "f", std::ios::app) << "more\n"; });
    CHECK(eventually(watcher, moved(f, v)));

    v = table.version(a);
    in_child([&] { std::ofstream(root / "a" / "new") << "x"; });
    CHECK(eventually(watcher, moved(a, v)));

    auto va = table.version(a), vb = table.version(b), vg = table.version(g);
    in_child([&] { ::rename((root / "a" / "g").c_str(), (root / "b" / "g").c_str()); });
    CHECK(eventually(watcher, moved(a, va)));
    CHECK(eventually(watcher, moved(b, vb)));
    CHECK(eventually(watcher, moved(g, vg)));

    // Unlinked but still known (vfsd pins it): found through its own handle.
    va = table.version(a);
    v = table.version(f);
    in_child([&] { ::unlink((root / "a" / "f").c_str()); });
    CHECK(eventually(watcher, moved(a, va)));
    CHECK(eventually(watcher, moved(f, v)));

    // vfsd's own changes (this process) were bumped already, not again.
    auto c = pfs.create(b, "mine", O_RDWR, 0644, caller);
    REQUIRE(c.ok());
    const auto mine = c->first.node;
    watcher.drain_now();
    v = table.version(mine);
    ::chmod((root / "b" / "mine").c_str(), 0600);
    vg = table.version(g);
    in_child([&] { ::chmod((root / "b" / "g").c_str(), 0600); }); // a marker after it
    CHECK(eventually(watcher, moved(g, vg)));
    CHECK(table.version(mine) == v);
}
