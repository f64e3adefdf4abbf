// The seccomp allow-list against every operation vfsd serves: the real
// binary, sandboxed and with --seccomp=kill (its default), is driven through
// each FUSE opcode it implements; one missing system call would kill it.
#include "fuse_guest.hpp"
#include "vfsd_process.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>

using vfsd::test::FuseGuest;
using vfsd::test::VfsdProcess;

namespace {

std::uint64_t node_of(const std::vector<char>& entry_body) {
    fuse_entry_out e;
    REQUIRE(entry_body.size() >= sizeof(e));
    std::memcpy(&e, entry_body.data(), sizeof(e));
    return e.nodeid;
}

template <typename T> T body_as(const std::vector<char>& body) {
    T v;
    REQUIRE(body.size() >= sizeof(v));
    std::memcpy(&v, body.data(), sizeof(v));
    return v;
}

} // namespace

TEST_CASE("every opcode runs under seccomp kill", "[sandbox][seccomp]") {
    const std::string sandbox = GENERATE("namespace", "none");
    VfsdProcess vfsd({"--sandbox=" + sandbox, "--seccomp=kill", "-o", "xattr"});
    REQUIRE(vfsd.wait_ready());
    INFO(sandbox << "\n" << vfsd.log());
    FuseGuest g(vfsd.socket);
    REQUIRE(g.init() == 0);
    const std::uint64_t root = FUSE_ROOT_ID;

    fuse_create_in cr{};
    cr.flags = O_RDWR;
    cr.mode = S_IFREG | 0644;
    auto [err, body] = g.call(FUSE_CREATE, root, FuseGuest::with_name(cr, "f"));
    REQUIRE(err == 0);
    const auto file = node_of(body);
    const auto fh =
        body_as<fuse_open_out>(std::vector<char>(body.begin() + sizeof(fuse_entry_out), body.end()))
            .fh;

    fuse_write_in wr{};
    wr.fh = fh;
    wr.size = 5;
    auto wargs = FuseGuest::bytes(wr);
    wargs.insert(wargs.end(), {'h', 'e', 'l', 'l', 'o'});
    CHECK(g.call(FUSE_WRITE, file, wargs).first == 0);
    CHECK(g.read(file, fh).second == "hello");
    fuse_fsync_in fs{};
    fs.fh = fh;
    CHECK(g.call(FUSE_FSYNC, file, FuseGuest::bytes(fs)).first == 0);
    fs.fsync_flags = 1;
    CHECK(g.call(FUSE_FSYNC, file, FuseGuest::bytes(fs)).first == 0);
    fuse_fallocate_in fa{};
    fa.fh = fh;
    fa.length = 8192;
    CHECK(g.call(FUSE_FALLOCATE, file, FuseGuest::bytes(fa)).first == 0);
    fuse_lseek_in ls{};
    ls.fh = fh;
    ls.whence = SEEK_DATA;
    CHECK(g.call(FUSE_LSEEK, file, FuseGuest::bytes(ls)).first == 0);
    // Locks: a POSIX lock (its own host description), GETLK, flock, and the
    // FLUSH that drops the owner's locks.
    fuse_lk_in lk{};
    lk.fh = fh;
    lk.owner = 7;
    lk.lk.end = 99;
    lk.lk.type = F_WRLCK;
    lk.lk.pid = 1;
    CHECK(g.call(FUSE_SETLK, file, FuseGuest::bytes(lk)).first == 0);
    lk.owner = 8;
    CHECK(g.call(FUSE_GETLK, file, FuseGuest::bytes(lk)).first == 0);
    CHECK(g.call(FUSE_SETLK, file, FuseGuest::bytes(lk)).first == -EAGAIN);
    lk.lk_flags = FUSE_LK_FLOCK;
    CHECK(g.call(FUSE_SETLKW, file, FuseGuest::bytes(lk)).first == 0);
    lk.lk.type = F_UNLCK;
    CHECK(g.call(FUSE_SETLK, file, FuseGuest::bytes(lk)).first == 0);
    // A SETLKW that waits (owner 8 against owner 7), then FUSE_INTERRUPT: a
    // waiting thread, the interrupt registry's signaller and its signal.
    lk = {};
    lk.fh = fh;
    lk.owner = 8;
    lk.lk.end = 99;
    lk.lk.type = F_WRLCK;
    lk.lk.pid = 2;
    g.start(FUSE_SETLKW, file, FuseGuest::bytes(lk));
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // let it wait
    g.interrupt();
    CHECK(g.finish().first == -EINTR);
    fuse_flush_in fl{};
    fl.fh = fh;
    fl.lock_owner = 7;
    CHECK(g.call(FUSE_FLUSH, file, FuseGuest::bytes(fl)).first == 0);

    // Attributes: mode, owner, size through the handle and the node, times.
    fuse_setattr_in sa{};
    sa.valid = FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_ATIME | FATTR_MTIME_NOW;
    sa.mode = 0600;
    sa.uid = ::geteuid();
    sa.gid = ::getegid();
    CHECK(g.call(FUSE_SETATTR, file, FuseGuest::bytes(sa)).first == 0);
    sa = {};
    sa.valid = FATTR_SIZE | FATTR_FH;
    sa.fh = fh;
    sa.size = 3;
    CHECK(g.call(FUSE_SETATTR, file, FuseGuest::bytes(sa)).first == 0);
    sa.valid = FATTR_SIZE;
    sa.size = 2;
    CHECK(g.call(FUSE_SETATTR, file, FuseGuest::bytes(sa)).first == 0);
    CHECK(g.call(FUSE_GETATTR, file, FuseGuest::bytes(fuse_getattr_in{})).first == 0);
    fuse_access_in ac{};
    ac.mask = R_OK;
    CHECK(g.call(FUSE_ACCESS, file, FuseGuest::bytes(ac)).first == 0);

    // A second file for COPY_FILE_RANGE.
    auto [err2, body2] = g.call(FUSE_CREATE, root, FuseGuest::with_name(cr, "g"));
    REQUIRE(err2 == 0);
    const auto file2 = node_of(body2);
    const auto fh2 = body_as<fuse_open_out>(
                         std::vector<char>(body2.begin() + sizeof(fuse_entry_out), body2.end()))
                         .fh;
    fuse_copy_file_range_in cf{};
    cf.fh_in = fh;
    cf.nodeid_out = file2;
    cf.fh_out = fh2;
    cf.len = 2;
    CHECK(g.call(FUSE_COPY_FILE_RANGE, file, FuseGuest::bytes(cf)).first == 0);

    // Extended attributes on a file and on a symlink (the /proc path).
    fuse_setxattr_in sx{};
    sx.size = 1;
    // Without FUSE_SETXATTR_EXT negotiated: the short, compat layout.
    auto xargs = FuseGuest::with_name(sx, "user.k");
    xargs.erase(xargs.begin() + FUSE_COMPAT_SETXATTR_IN_SIZE, xargs.begin() + sizeof(sx));
    xargs.push_back('v');
    CHECK(g.call(FUSE_SETXATTR, file, xargs).first == 0);
    fuse_getxattr_in gx{};
    gx.size = 64;
    CHECK(g.call(FUSE_GETXATTR, file, FuseGuest::with_name(gx, "user.k")).first == 0);
    CHECK(g.call(FUSE_LISTXATTR, file, FuseGuest::bytes(gx)).first == 0);
    CHECK(g.call(FUSE_REMOVEXATTR, file, FuseGuest::name_arg("user.k")).first == 0);

    auto sl_args = FuseGuest::name_arg("sl");
    auto target = FuseGuest::name_arg("f");
    sl_args.insert(sl_args.end(), target.begin(), target.end());
    auto [err3, body3] = g.call(FUSE_SYMLINK, root, sl_args);
    REQUIRE(err3 == 0);
    const auto link = node_of(body3);
    CHECK(g.call(FUSE_READLINK, link, {}).first == 0);
    CHECK(g.call(FUSE_LISTXATTR, link, FuseGuest::bytes(gx)).first == 0);
    CHECK(g.call(FUSE_GETXATTR, link, FuseGuest::with_name(gx, "trusted.none")).first == -ENODATA);

    // Directories, nodes, links, renames, removal.
    fuse_mkdir_in mk{};
    mk.mode = 0755;
    auto [err4, body4] = g.call(FUSE_MKDIR, root, FuseGuest::with_name(mk, "d"));
    REQUIRE(err4 == 0);
    const auto dir = node_of(body4);
    fuse_mknod_in mn{};
    mn.mode = S_IFIFO | 0644;
    CHECK(g.call(FUSE_MKNOD, dir, FuseGuest::with_name(mn, "fifo")).first == 0);
    fuse_link_in ln{};
    ln.oldnodeid = file;
    CHECK(g.call(FUSE_LINK, dir, FuseGuest::with_name(ln, "hard")).first == 0);
    fuse_rename2_in rn{};
    rn.newdir = dir;
    auto rargs = FuseGuest::with_name(rn, "g");
    auto newname = FuseGuest::name_arg("g2");
    rargs.insert(rargs.end(), newname.begin(), newname.end());
    CHECK(g.call(FUSE_RENAME2, root, rargs).first == 0);
    fuse_open_in od{};
    auto [err5, body5] = g.call(FUSE_OPENDIR, dir, FuseGuest::bytes(od));
    REQUIRE(err5 == 0);
    fuse_read_in rd{};
    rd.fh = body_as<fuse_open_out>(body5).fh;
    rd.size = 4096;
    CHECK(g.call(FUSE_READDIR, dir, FuseGuest::bytes(rd)).first == 0);
    CHECK(g.call(FUSE_READDIRPLUS, dir, FuseGuest::bytes(rd)).first == 0);
    fuse_fsync_in fsd{};
    fsd.fh = rd.fh;
    CHECK(g.call(FUSE_FSYNCDIR, dir, FuseGuest::bytes(fsd)).first == 0);
    fuse_release_in rel{};
    rel.fh = rd.fh;
    CHECK(g.call(FUSE_RELEASEDIR, dir, FuseGuest::bytes(rel)).first == 0);
    CHECK(g.call(FUSE_UNLINK, dir, FuseGuest::name_arg("fifo")).first == 0);
    CHECK(g.call(FUSE_UNLINK, dir, FuseGuest::name_arg("hard")).first == 0);
    CHECK(g.call(FUSE_UNLINK, dir, FuseGuest::name_arg("g2")).first == 0);
    CHECK(g.call(FUSE_RMDIR, root, FuseGuest::name_arg("d")).first == 0);
    CHECK(g.call(FUSE_STATFS, root, {}).first == 0);
    fuse_syncfs_in sf{};
    CHECK(g.call(FUSE_SYNCFS, root, FuseGuest::bytes(sf)).first == 0);
    rel.fh = fh;
    CHECK(g.call(FUSE_RELEASE, file, FuseGuest::bytes(rel)).first == 0);

    // Still alive, and the host sees what was done.
    CHECK(vfsd.running());
    CHECK(g.call(FUSE_GETATTR, root, FuseGuest::bytes(fuse_getattr_in{})).first == 0);
    CHECK(std::filesystem::file_size(vfsd.share / "f") == 2);
    CHECK(std::filesystem::is_symlink(vfsd.share / "sl"));
    CHECK_FALSE(std::filesystem::exists(vfsd.share / "d"));
    CHECK(vfsd.log().find("seccomp filter installed") != std::string::npos);
}
