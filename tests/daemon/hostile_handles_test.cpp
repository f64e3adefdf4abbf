// A hostile guest (a vhost-user frontend talking to the real vfsd, sandboxed
// and under seccomp kill) against the places where vfsd turns data it did
// not make itself into host files: node ids and names in LINK and RENAME, a
// hard link the host put into the share, and a state file (--state-file)
// naming files outside the share by handle.  Every attempt fails or is shown
// harmless, the sentinel directory beside the share keeps its contents and
// times (host_snapshot), and vfsd answers a later request.
#include "fs/node_state_store.hpp"
#include "fuse_guest.hpp"
#include "host_snapshot.hpp"
#include "vfsd_process.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>

using namespace vfsd;
using vfsd::fs::NodeId;
using vfsd::fs::NodeStateStore;
using vfsd::test::FuseGuest;
using vfsd::test::host_snapshot;
using vfsd::test::VfsdProcess;
namespace stdfs = std::filesystem;

namespace {

int link(FuseGuest& guest, std::uint64_t parent, std::uint64_t old_node, const std::string& name) {
    fuse_link_in in{};
    in.oldnodeid = old_node;
    return guest.call(FUSE_LINK, parent, FuseGuest::with_name(in, name)).first;
}

int rename(FuseGuest& guest, std::uint64_t dir, const std::string& from, const std::string& to) {
    fuse_rename_in in{};
    in.newdir = dir;
    auto args = FuseGuest::with_name(in, from);
    const auto n = FuseGuest::name_arg(to);
    args.insert(args.end(), n.begin(), n.end());
    return guest.call(FUSE_RENAME, dir, args).first;
}

int getattr(FuseGuest& guest, std::uint64_t node) {
    return guest.call(FUSE_GETATTR, node, FuseGuest::bytes(fuse_getattr_in{})).first;
}

// No name "stolen" appeared anywhere a crafted request could have put one.
void check_nothing_stolen(const VfsdProcess& vfsd) {
    for (const auto& dir : {vfsd.base, vfsd.share, vfsd.outside, stdfs::path("/")}) {
        INFO(dir);
        CHECK_FALSE(stdfs::exists(dir / "stolen"));
    }
}

NodeStateStore::FileHandle handle_of(const stdfs::path& path) {
    const UniqueFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
    REQUIRE(fd);
    const auto handle = NodeStateStore::handle_of(fd.get());
    REQUIRE(handle);
    return *handle;
}

} // namespace

// A hard link from the share to a host file beside it, made before the guest
// connects, is one inode under two names.  The guest may read it (that is
// the host's choice), but no request reaches the other *name*: unlinking,
// renaming or linking the share's name changes only names inside the share,
// and the host path keeps its contents.  Writes and SETATTR through the
// link would change the shared inode and are not attempted.
TEST_CASE("hard links do not lead outside the shared directory", "[sandbox][hostile]") {
    VfsdProcess vfsd({"--seccomp=kill"});
    const auto beside = vfsd.base / "linked";
    std::ofstream(beside) << "linked\n";
    stdfs::create_hard_link(beside, vfsd.share / "hardlink");
    stdfs::create_directory(vfsd.outside / "dir");
    std::ofstream(vfsd.outside / "dir" / "inner") << "inner\n";
    const auto sentinel = host_snapshot(vfsd.outside);
    REQUIRE(vfsd.wait_ready());
    INFO(vfsd.log());
    FuseGuest guest(vfsd.socket);
    REQUIRE(guest.init() == 0);

    const auto node = guest.lookup(FUSE_ROOT_ID, "hardlink");
    REQUIRE(node > 0);
    const auto hardlink = static_cast<std::uint64_t>(node);
    const auto fh = guest.open(hardlink, O_RDONLY);
    REQUIRE(fh >= 0);
    CHECK(guest.read(hardlink, static_cast<std::uint64_t>(fh)) ==
          std::pair<int, std::string>{0, "linked\n"});

    // LINK from a node the guest was never given, or from a directory.
    for (const std::uint64_t forged :
         {std::uint64_t{0}, std::uint64_t{0xdead}, std::uint64_t{0x12345678}, ~std::uint64_t{0},
          std::uint64_t{FUSE_ROOT_ID}}) {
        INFO("oldnodeid " << forged);
        CHECK(link(guest, FUSE_ROOT_ID, forged, "stolen") != 0);
    }
    // LINK into a parent the guest was never given.
    CHECK(link(guest, 0xbeef, hardlink, "stolen") != 0);
    CHECK(link(guest, hardlink, hardlink, "stolen") != 0); // not a directory
    // New names that are not one component of the parent.
    for (const std::string& name :
         std::vector<std::string>{"a/stolen", "../stolen", "/stolen", "../outside/stolen", "..",
                                  ".", "", std::string(300, 's'), std::string(5000, 's')}) {
        INFO("name " << name.substr(0, 40));
        CHECK(link(guest, FUSE_ROOT_ID, hardlink, name) != 0);
        CHECK(rename(guest, FUSE_ROOT_ID, "hardlink", name) != 0);
    }
    check_nothing_stolen(vfsd);

    // Harmless: another name inside the share for the same inode, then both
    // share names removed.  The host's own name is untouched.
    CHECK(link(guest, FUSE_ROOT_ID, hardlink, "second") == 0);
    CHECK(stdfs::equivalent(vfsd.share / "second", beside));
    CHECK(guest.call(FUSE_UNLINK, FUSE_ROOT_ID, FuseGuest::name_arg("second")).first == 0);
    CHECK(guest.call(FUSE_UNLINK, FUSE_ROOT_ID, FuseGuest::name_arg("hardlink")).first == 0);
    CHECK(test::read_text(beside) == "linked\n");
    CHECK(stdfs::hard_link_count(beside) == 1);
    // The node still pins the inode (as a node of a file the host moved
    // away does, in virtiofsd too): its open handle reads it, and it may get
    // a name again, but only inside the share.
    CHECK(guest.read(hardlink, static_cast<std::uint64_t>(fh)).second == "linked\n");
    CHECK(link(guest, FUSE_ROOT_ID, hardlink, "../stolen") != 0);
    CHECK(link(guest, FUSE_ROOT_ID, hardlink, "back") == 0);
    CHECK(stdfs::equivalent(vfsd.share / "back", beside));
    CHECK(guest.call(FUSE_UNLINK, FUSE_ROOT_ID, FuseGuest::name_arg("back")).first == 0);
    CHECK(test::read_text(beside) == "linked\n");
    check_nothing_stolen(vfsd);

    CHECK(host_snapshot(vfsd.outside) == sentinel);
    CHECK(vfsd.running());
    CHECK(guest.lookup(FUSE_ROOT_ID, "file") > 0);
}

// open_by_handle_at is where vfsd turns bytes into host files: the restart
// state file names every node by host file handle.  A crafted one (the
// directory and file beside the share, the share's parent, garbage bytes,
// handles with O_TRUNC) must not give the guest a node or handle outside the
// share, nor truncate a file inside; the predecessor's real nodes, nested
// ones included, still come back.
TEST_CASE("a crafted state file does not open files outside the share", "[sandbox][hostile]") {
    char tmpl[] = "/tmp/vfsd-hostile-state-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    const stdfs::path state_dir = tmpl;
    const auto state_file = state_dir / "state";
    const std::vector<std::string> args = {"--seccomp=kill", "--state-file=" + state_file.string()};

    VfsdProcess first(args);
    stdfs::create_directory(first.share / "sub");
    std::ofstream(first.share / "sub" / "nested") << "nested\n";
    REQUIRE(first.wait_ready());
    std::int64_t file = 0, sub = 0, nested = 0;
    {
        FuseGuest g(first.socket);
        REQUIRE(g.init() == 0);
        file = g.lookup(FUSE_ROOT_ID, "file");
        sub = g.lookup(FUSE_ROOT_ID, "sub");
        REQUIRE(sub > 0);
        nested = g.lookup(static_cast<std::uint64_t>(sub), "nested");
        REQUIRE(file > 0);
        REQUIRE(nested > 0);
        first.kill_hard();
    }
    INFO(first.log());

    stdfs::create_directory(first.outside / "dir");
    std::ofstream(first.outside / "dir" / "inner") << "inner\n";
    const auto sentinel = host_snapshot(first.outside);
    NodeId outside_dir = 0, secret = 0, base = 0, garbage = 0;
    {
        auto store = NodeStateStore::open(state_file, {});
        outside_dir = store->next_node_id();
        secret = outside_dir + 1;
        base = outside_dir + 2;
        garbage = outside_dir + 3;
        REQUIRE(store->put_node(outside_dir, 1, 1, handle_of(first.outside)));
        REQUIRE(store->put_node(secret, 1, 1, handle_of(first.outside / "secret")));
        REQUIRE(store->put_node(base, 1, 1, handle_of(first.base)));
        NodeStateStore::FileHandle junk;
        junk.bytes = 64;
        junk.type = 1;
        std::fill(std::begin(junk.data), std::end(junk.data), 0x5a);
        REQUIRE(store->put_node(garbage, 1, 1, junk));
        using Kind = NodeStateStore::HandleKind;
        REQUIRE(store->put_handle(Kind::File, 777, secret, O_RDWR | O_TRUNC));
        REQUIRE(store->put_handle(Kind::Directory, 778, outside_dir, O_RDONLY | O_DIRECTORY));
        REQUIRE(store->put_handle(Kind::File, 779, static_cast<NodeId>(file),
                                  O_RDWR | O_TRUNC | O_CREAT));
    }

    VfsdProcess second(args, first);
    REQUIRE(second.wait_ready());
    INFO(second.log());
    FuseGuest g(second.socket);
    for (const NodeId forged : {outside_dir, secret, base, garbage}) {
        INFO("node " << forged);
        CHECK(getattr(g, forged) != 0);
        CHECK(g.open(forged, O_RDONLY) < 0);
        CHECK(g.lookup(forged, "secret") < 0);
        CHECK(g.lookup(forged, "outside") < 0);
        CHECK(link(g, FUSE_ROOT_ID, forged, "stolen") != 0);
    }
    const auto [err, text] = g.read(secret, 777);
    CHECK(err != 0);
    CHECK(text.find("secret") == std::string::npos);
    fuse_read_in rd{};
    rd.fh = 778;
    rd.size = 4096;
    CHECK(g.call(FUSE_READDIR, outside_dir, FuseGuest::bytes(rd)).first != 0);
    CHECK(second.log().find("outside the share") != std::string::npos);

    // The crafted O_TRUNC on a real handle truncated nothing, and the
    // predecessor's nodes are served as before.
    CHECK(test::read_text(second.share / "file") == "inside\n");
    CHECK(g.read(static_cast<std::uint64_t>(file), 779).second == "inside\n");
    CHECK(g.lookup(FUSE_ROOT_ID, "sub") == sub);
    CHECK(getattr(g, static_cast<std::uint64_t>(nested)) == 0);
    const auto fh = g.open(static_cast<std::uint64_t>(nested), O_RDONLY);
    REQUIRE(fh >= 0);
    CHECK(g.read(static_cast<std::uint64_t>(nested), static_cast<std::uint64_t>(fh)).second ==
          "nested\n");

    check_nothing_stolen(second);
    CHECK(host_snapshot(second.outside) == sentinel);
    CHECK(test::read_text(second.outside / "secret") == "secret\n");
    CHECK(second.running());
    second.kill_hard();
    stdfs::remove_all(state_dir);
}
