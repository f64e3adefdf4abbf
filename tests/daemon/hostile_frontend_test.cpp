// A hostile guest, played by a vhost-user frontend that talks to the real,
// sandboxed vfsd and sends crafted FUSE requests meant to reach outside the
// shared directory.  Every attempt must fail with an error, nothing outside
// may be read or changed (checked on the host), and vfsd must stay up.
#include "fuse_guest.hpp"
#include "vfsd_process.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>

using namespace vfsd;
using vfsd::test::FuseGuest;
using vfsd::test::VfsdProcess;
namespace stdfs = std::filesystem;

TEST_CASE("a hostile frontend cannot leave the shared directory", "[sandbox][hostile]") {
    VfsdProcess vfsd;
    stdfs::create_directory(vfsd.share / "sub");
    stdfs::create_directory_symlink("/", vfsd.share / "abs");
    stdfs::create_symlink(vfsd.outside / "secret", vfsd.share / "to_secret");
    stdfs::create_symlink("../outside/secret", vfsd.share / "rel_secret");
    REQUIRE(vfsd.wait_ready());
    INFO(vfsd.log());
    FuseGuest guest(vfsd.socket);
    REQUIRE(guest.init() == 0);

    // ".." of the root is the root; names with '/' are refused.
    CHECK(guest.lookup(FUSE_ROOT_ID, "..") == FUSE_ROOT_ID);
    CHECK(guest.lookup(FUSE_ROOT_ID, "../outside") == -EINVAL);
    CHECK(guest.lookup(FUSE_ROOT_ID, "/proc/self/root") == -EINVAL);
    CHECK(guest.lookup(FUSE_ROOT_ID, "proc") == -ENOENT);
    CHECK(guest.lookup(FUSE_ROOT_ID, std::string(300, 'n')) == -ENAMETOOLONG);
    CHECK(guest.lookup(FUSE_ROOT_ID, std::string(5000, 'n')) == -EINVAL);

    // Symlinks are nodes of their own, never followed on the host.
    for (const char* link : {"abs", "to_secret", "rel_secret"}) {
        INFO(link);
        const auto node = guest.lookup(FUSE_ROOT_ID, link);
        REQUIRE(node > 0);
        CHECK(guest.open(static_cast<std::uint64_t>(node), O_RDONLY) == -ELOOP);
        CHECK(guest.lookup(static_cast<std::uint64_t>(node), "tmp") == -ENOTDIR);
    }

    // A directory swapped for a symlink to the outside after its lookup: the
    // node keeps meaning the directory it was.
    const auto sub = guest.lookup(FUSE_ROOT_ID, "sub");
    REQUIRE(sub > 0);
    stdfs::rename(vfsd.share / "sub", vfsd.share / "sub.old");
    stdfs::create_directory_symlink(vfsd.outside, vfsd.share / "sub");
    fuse_mkdir_in mk{};
    mk.mode = 0755;
    CHECK(guest.call(FUSE_MKDIR, static_cast<std::uint64_t>(sub), FuseGuest::with_name(mk, "x"))
              .first == 0);
    CHECK(guest.lookup(static_cast<std::uint64_t>(sub), "secret") == -ENOENT);
    CHECK(stdfs::is_directory(vfsd.share / "sub.old" / "x"));

    // A hard link needs a node, and nodes are only what the share holds.
    fuse_link_in ln{};
    ln.oldnodeid = 0xdead;
    CHECK(guest.call(FUSE_LINK, FUSE_ROOT_ID, FuseGuest::with_name(ln, "stolen")).first != 0);

    // Unknown nodes and handles.
    CHECK(guest.call(FUSE_GETATTR, 0x12345678, FuseGuest::bytes(fuse_getattr_in{})).first != 0);
    CHECK(guest.open(0x12345678, O_RDONLY) < 0);
    const auto file = guest.lookup(FUSE_ROOT_ID, "file");
    REQUIRE(file > 0);
    CHECK(guest.read(static_cast<std::uint64_t>(file), 4242).first == -EBADF);
    CHECK(guest.read(static_cast<std::uint64_t>(file), 0).first == -EBADF);

    // The daemon still serves, and the outside is as it was.
    const auto fh = guest.open(static_cast<std::uint64_t>(file), O_RDONLY);
    REQUIRE(fh >= 0);
    auto [err, text] = guest.read(static_cast<std::uint64_t>(file), static_cast<std::uint64_t>(fh));
    CHECK(err == 0);
    CHECK(text == "inside\n");
    CHECK(vfsd.running());
    CHECK(test::read_text(vfsd.outside / "secret") == "secret\n");
    std::size_t outside_entries = 0;
    for ([[maybe_unused]] const auto& e : stdfs::directory_iterator(vfsd.outside)) {
        ++outside_entries;
    }
    CHECK(outside_entries == 1);
    CHECK_FALSE(stdfs::exists("/stolen"));
}
