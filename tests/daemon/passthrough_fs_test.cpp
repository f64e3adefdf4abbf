#include "fs/passthrough_fs.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace vfsd;
namespace stdfs = std::filesystem;

namespace {

int count_open_fds() {
    int n = 0;
    for ([[maybe_unused]] auto& e : stdfs::directory_iterator("/proc/self/fd")) {
        ++n;
    }
    return n;
}

// A scratch tree: root/ is shared, outside/ must stay untouched.
struct Scratch {
    stdfs::path base;
    stdfs::path root;
    stdfs::path outside;
    Scratch() {
        char tmpl[] = "/tmp/vfsd-test-XXXXXX";
        base = ::mkdtemp(tmpl);
        root = base / "root";
        outside = base / "outside";
        stdfs::create_directories(root / "sub");
        stdfs::create_directories(outside);
        std::ofstream(outside / "secret") << "secret\n";
        std::ofstream(root / "file") << "hello\n";
        stdfs::create_directory_symlink("/", root / "abs");
        stdfs::create_symlink(outside / "secret", root / "to_secret");
        stdfs::create_symlink(outside / "new", root / "dangling");
    }
    ~Scratch() { stdfs::remove_all(base); }
};

fs::PassthroughFs make_fs(const Scratch& s) {
    return fs::PassthroughFs(s.root, {});
}

} // namespace

TEST_CASE("'..' and '.' at the root stay at the root", "[passthrough][confinement]") {
    Scratch s;
    auto pfs = make_fs(s);
    auto up = pfs.lookup(fs::kRootNode, "..");
    REQUIRE(up.ok());
    CHECK(up->node == fs::kRootNode);
    auto dot = pfs.lookup(fs::kRootNode, ".");
    REQUIRE(dot.ok());
    CHECK(dot->node == fs::kRootNode);
    auto sub = pfs.lookup(fs::kRootNode, "sub");
    REQUIRE(sub.ok());
    auto sub_up = pfs.lookup(sub->node, "..");
    REQUIRE(sub_up.ok());
    CHECK(sub_up->node == fs::kRootNode);
}

TEST_CASE("names with '/' are refused everywhere", "[passthrough][confinement]") {
    Scratch s;
    auto pfs = make_fs(s);
    fs::Caller me{0, 0, 0};
    CHECK(pfs.lookup(fs::kRootNode, "../outside").error() == EINVAL);
    CHECK(pfs.lookup(fs::kRootNode, "sub/../../outside").error() == EINVAL);
    CHECK(pfs.lookup(fs::kRootNode, "").error() == ENOENT);
    CHECK(pfs.mkdir(fs::kRootNode, "../outside/x", 0755, me).error() == EINVAL);
    CHECK(pfs.create(fs::kRootNode, "a/b", O_RDWR, 0644, me).error() == EINVAL);
    CHECK(pfs.unlink(fs::kRootNode, "../outside/secret") == EINVAL);
    CHECK(pfs.rename(fs::kRootNode, "file", fs::kRootNode, "../outside/file", 0) == EINVAL);
    CHECK(pfs.symlink(fs::kRootNode, "x/y", "t", me).error() == EINVAL);
    CHECK(stdfs::exists(s.outside / "secret"));
    CHECK_FALSE(stdfs::exists(s.outside / "x"));
}

TEST_CASE("'.' and '..' get the errno Linux gives for them", "[passthrough][confinement]") {
    Scratch s;
    auto pfs = make_fs(s);
    fs::Caller me{0, 0, 0};
    CHECK(pfs.mkdir(fs::kRootNode, "..", 0755, me).error() == EEXIST);
    CHECK(pfs.mknod(fs::kRootNode, ".", S_IFREG | 0644, 0, me).error() == EEXIST);
    CHECK(pfs.symlink(fs::kRootNode, "..", "t", me).error() == EEXIST);
    CHECK(pfs.create(fs::kRootNode, ".", O_RDWR, 0644, me).error() == EEXIST);
    CHECK(pfs.rmdir(fs::kRootNode, ".") == EINVAL);
    CHECK(pfs.rmdir(fs::kRootNode, "..") == ENOTEMPTY);
    CHECK(pfs.unlink(fs::kRootNode, "..") == EISDIR);
    CHECK(pfs.rename(fs::kRootNode, "..", fs::kRootNode, "x", 0) == EBUSY);
    CHECK(pfs.rename(fs::kRootNode, "file", fs::kRootNode, ".", 0) == EBUSY);
    CHECK(stdfs::exists(s.root / "file"));
    CHECK(stdfs::exists(s.outside / "secret"));
}

TEST_CASE("names longer than NAME_MAX get ENAMETOOLONG", "[passthrough][errno]") {
    Scratch s;
    auto pfs = make_fs(s);
    fs::Caller me{0, 0, 0};
    const std::string longest(NAME_MAX, 'n');
    const std::string too_long(NAME_MAX + 1, 'n');
    auto file = pfs.lookup(fs::kRootNode, "file");
    REQUIRE(file.ok());
    CHECK(pfs.lookup(fs::kRootNode, too_long).error() == ENAMETOOLONG);
    CHECK(pfs.mkdir(fs::kRootNode, too_long, 0755, me).error() == ENAMETOOLONG);
    CHECK(pfs.mknod(fs::kRootNode, too_long, S_IFREG | 0644, 0, me).error() == ENAMETOOLONG);
    CHECK(pfs.symlink(fs::kRootNode, too_long, "t", me).error() == ENAMETOOLONG);
    CHECK(pfs.create(fs::kRootNode, too_long, O_RDWR, 0644, me).error() == ENAMETOOLONG);
    CHECK(pfs.link(file->node, fs::kRootNode, too_long).error() == ENAMETOOLONG);
    CHECK(pfs.unlink(fs::kRootNode, too_long) == ENAMETOOLONG);
    CHECK(pfs.rmdir(fs::kRootNode, too_long) == ENAMETOOLONG);
    CHECK(pfs.rename(fs::kRootNode, "file", fs::kRootNode, too_long, 0) == ENAMETOOLONG);
    CHECK(pfs.rename(fs::kRootNode, too_long, fs::kRootNode, "x", 0) == ENAMETOOLONG);
    // NAME_MAX itself is a valid name.
    auto made = pfs.mkdir(fs::kRootNode, longest, 0755, me);
    REQUIRE(made.ok());
    CHECK(pfs.rename(fs::kRootNode, longest, fs::kRootNode, "short", 0) == 0);
    CHECK(stdfs::is_directory(s.root / "short"));
}

TEST_CASE("symlinks are never followed on the host", "[passthrough][confinement]") {
    Scratch s;
    auto pfs = make_fs(s);
    fs::Caller me{0, 0, 0};
    // An absolute symlink is a symlink node, not the directory it names.
    auto abs = pfs.lookup(fs::kRootNode, "abs");
    REQUIRE(abs.ok());
    CHECK(S_ISLNK(abs->attr.st_mode));
    CHECK(pfs.lookup(abs->node, "etc").error() == ENOTDIR);
    CHECK(pfs.open(abs->node, O_RDONLY).error() == ELOOP);
    CHECK(pfs.opendir(abs->node).error() == ELOOP);
    auto target = pfs.readlink(abs->node);
    REQUIRE(target.ok());
    CHECK(*target == "/");

    auto to_secret = pfs.lookup(fs::kRootNode, "to_secret");
    REQUIRE(to_secret.ok());
    CHECK(pfs.open(to_secret->node, O_RDONLY).error() == ELOOP);
    fs::AttrChange trunc;
    trunc.size = 0;
    CHECK_FALSE(pfs.setattr(to_secret->node, trunc).ok());
    CHECK(stdfs::file_size(s.outside / "secret") == 7);

    // Creating through a symlink (dangling or not) must not create or open
    // the target outside.
    CHECK_FALSE(pfs.create(fs::kRootNode, "dangling", O_RDWR, 0644, me).ok());
    CHECK_FALSE(stdfs::exists(s.outside / "new"));
    CHECK_FALSE(pfs.create(fs::kRootNode, "to_secret", O_RDWR | O_TRUNC, 0644, me).ok());
    CHECK(stdfs::file_size(s.outside / "secret") == 7);
}

TEST_CASE("forget releases nodes and their fds", "[passthrough]") {
    Scratch s;
    auto pfs = make_fs(s);
    const int fds_before = count_open_fds();
    auto a = pfs.lookup(fs::kRootNode, "file");
    auto b = pfs.lookup(fs::kRootNode, "file");
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->node == b->node);
    CHECK(pfs.inodes().lookup_count(a->node) == 2);
    CHECK(count_open_fds() == fds_before + 1);
    pfs.forget(a->node, 2);
    CHECK(pfs.inodes().get(a->node) == nullptr);
    CHECK(count_open_fds() == fds_before);
}

TEST_CASE("create, write, read, readdir, release", "[passthrough]") {
    Scratch s;
    auto pfs = make_fs(s);
    fs::Caller me{0, 0, 0};
    auto created = pfs.create(fs::kRootNode, "new", O_RDWR, 0600, me);
    REQUIRE(created.ok());
    const auto [entry, fh] = *created;
    char data[] = "0123456789";
    iovec in[] = {{data, 4}, {data + 4, 6}};
    auto w = pfs.write(fh, in, 0);
    REQUIRE(w.ok());
    CHECK(*w == 10);
    char back[16] = {};
    iovec out[] = {{back, 16}};
    auto r = pfs.read(fh, out, 2);
    REQUIRE(r.ok());
    CHECK(*r == 8);
    CHECK(std::string(back, 8) == "23456789");
    CHECK(pfs.flush(fh) == 0);
    CHECK(pfs.fsync(fh, true) == 0);
    CHECK(pfs.release(fh) == 0);
    CHECK(pfs.release(fh) == EBADF);
    CHECK((stdfs::status(s.root / "new").permissions() & stdfs::perms::all) ==
          (stdfs::perms::owner_read | stdfs::perms::owner_write));

    auto dir = pfs.opendir(fs::kRootNode);
    REQUIRE(dir.ok());
    int names = 0;
    std::uint64_t first_next = 0;
    // Take one entry, refuse the second: the next call resumes there.
    CHECK(pfs.readdir(*dir, 0, false, [&](const fs::DirEntry& d, const fs::Entry*) {
        if (names == 1) {
            return false;
        }
        first_next = d.next_offset;
        ++names;
        return true;
    }) == 0);
    int rest = 0;
    CHECK(pfs.readdir(*dir, first_next, true, [&](const fs::DirEntry& d, const fs::Entry* e) {
        REQUIRE(e != nullptr);
        if (d.name != "." && d.name != "..") {
            CHECK(e->node != 0);
            pfs.forget(e->node, 1);
        }
        ++rest;
        return true;
    }) == 0);
    // ".", "..", file, sub, abs, to_secret, dangling, new
    CHECK(names + rest == 8);
    CHECK(pfs.releasedir(*dir) == 0);
    pfs.forget(entry.node, 1);
    CHECK(pfs.open_handles() == 0);
    CHECK(pfs.inodes().size() == 1);
}

TEST_CASE("setattr changes mode, size and times", "[passthrough]") {
    Scratch s;
    auto pfs = make_fs(s);
    auto f = pfs.lookup(fs::kRootNode, "file");
    REQUIRE(f.ok());
    fs::AttrChange c;
    c.mode = 0640;
    c.size = 2;
    c.mtime_change = fs::AttrChange::Time::Set;
    c.mtime = {981173106, 0};
    c.atime_change = fs::AttrChange::Time::Now;
    auto st = pfs.setattr(f->node, c);
    REQUIRE(st.ok());
    CHECK((st->st_mode & 07777) == 0640);
    CHECK(st->st_size == 2);
    CHECK(st->st_mtim.tv_sec == 981173106);
}

TEST_CASE("a path swapped for a symlink after lookup is not followed",
          "[passthrough][confinement]") {
    Scratch s;
    auto pfs = make_fs(s);
    fs::Caller me{0, 0, 0};
    auto sub = pfs.lookup(fs::kRootNode, "sub");
    auto file = pfs.lookup(fs::kRootNode, "file");
    REQUIRE(sub.ok());
    REQUIRE(file.ok());
    // The race: on the host, between the guest's LOOKUP and its next
    // request, the names are replaced by symlinks to the outside.
    stdfs::rename(s.root / "sub", s.root / "sub.old");
    stdfs::create_directory_symlink(s.outside, s.root / "sub");
    stdfs::rename(s.root / "file", s.root / "file.old");
    stdfs::create_symlink(s.outside / "secret", s.root / "file");

    // Nodes are pinned O_PATH fds: they still mean the original objects.
    CHECK(pfs.lookup(sub->node, "secret").error() == ENOENT);
    auto made = pfs.create(sub->node, "made", O_RDWR, 0644, me);
    REQUIRE(made.ok());
    CHECK(stdfs::exists(s.root / "sub.old" / "made"));
    CHECK_FALSE(stdfs::exists(s.outside / "made"));
    auto fh = pfs.open(file->node, O_RDWR);
    REQUIRE(fh.ok());
    char back[16] = {};
    iovec out[] = {{back, sizeof(back)}};
    auto r = pfs.read(*fh, out, 0);
    REQUIRE(r.ok());
    CHECK(std::string(back, *r) == "hello\n");
    fs::AttrChange trunc;
    trunc.size = 0;
    CHECK(pfs.setattr(file->node, trunc).ok());
    CHECK(stdfs::file_size(s.root / "file.old") == 0);
    CHECK(stdfs::file_size(s.outside / "secret") == 7);
    // A fresh lookup sees the symlink, which is not followed.
    auto again = pfs.lookup(fs::kRootNode, "file");
    REQUIRE(again.ok());
    CHECK(S_ISLNK(again->attr.st_mode));
    CHECK(pfs.open(again->node, O_RDONLY).error() == ELOOP);
    CHECK(pfs.release(*fh) == 0);
    CHECK(pfs.release(made->second) == 0);
}

TEST_CASE("hard links stay inside the shared directory", "[passthrough][confinement]") {
    Scratch s;
    auto pfs = make_fs(s);
    auto file = pfs.lookup(fs::kRootNode, "file");
    auto sub = pfs.lookup(fs::kRootNode, "sub");
    REQUIRE(file.ok());
    REQUIRE(sub.ok());
    // LINK names an existing node (inside by construction) and a new name.
    CHECK(pfs.link(file->node, fs::kRootNode, "../outside/stolen").error() == EINVAL);
    CHECK(pfs.link(file->node, sub->node, "..").error() == EEXIST);
    CHECK_FALSE(stdfs::exists(s.outside / "stolen"));
    auto linked = pfs.link(file->node, sub->node, "twin");
    REQUIRE(linked.ok());
    CHECK(linked->node == file->node); // same host inode, same node
    CHECK(stdfs::hard_link_count(s.root / "file") == 2);
    // A symlink node cannot be hard-linked to smuggle its target in.
    auto to_secret = pfs.lookup(fs::kRootNode, "to_secret");
    REQUIRE(to_secret.ok());
    auto l2 = pfs.link(to_secret->node, fs::kRootNode, "secret_link");
    if (l2.ok()) {
        CHECK(S_ISLNK(l2->attr.st_mode)); // linked the symlink itself
    }
    CHECK(stdfs::hard_link_count(s.outside / "secret") == 1);
}
