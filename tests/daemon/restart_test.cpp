// vfsd killed with SIGKILL and started again with the same --state-file: the
// real binary, sandboxed and under seccomp kill, serves the node ids and
// open handles its predecessor gave out, without a new FUSE_INIT.
#include "fuse_guest.hpp"
#include "vfsd_process.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

using vfsd::test::FuseGuest;
using vfsd::test::VfsdProcess;

TEST_CASE("a restarted vfsd goes on with the same session", "[restart][seccomp]") {
    const std::string sandbox = GENERATE("namespace", "none");
    char tmpl[] = "/tmp/vfsd-restart-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    const std::filesystem::path state_dir = tmpl;
    const std::vector<std::string> args = {"--sandbox=" + sandbox, "--seccomp=kill",
                                           "--state-file=" + (state_dir / "state").string()};
    VfsdProcess first(args);
    REQUIRE(first.wait_ready());
    std::int64_t file = 0, dir = 0, fh = 0;
    {
        FuseGuest g(first.socket);
        REQUIRE(g.init() == 0);
        file = g.lookup(FUSE_ROOT_ID, "file");
        REQUIRE(file > 0);
        fuse_mkdir_in mk{};
        mk.mode = S_IFDIR | 0755;
        REQUIRE(g.call(FUSE_MKDIR, FUSE_ROOT_ID, FuseGuest::with_name(mk, "d")).first == 0);
        dir = g.lookup(FUSE_ROOT_ID, "d");
        REQUIRE(dir > 0);
        fh = g.open(static_cast<std::uint64_t>(file), O_RDONLY);
        REQUIRE(fh > 0);
        first.kill_hard();
    }
    INFO(sandbox << "\n" << first.log());

    VfsdProcess second(args, first);
    REQUIRE(second.wait_ready());
    FuseGuest g(second.socket);
    INFO(second.log());
    // No INIT: the session goes on.  The old handle still reads the file.
    auto [err, text] = g.read(static_cast<std::uint64_t>(file), static_cast<std::uint64_t>(fh));
    CHECK(err == 0);
    CHECK(text == "inside\n");
    // The old node ids name the same files.
    CHECK(g.lookup(static_cast<std::uint64_t>(dir), ".") == dir);
    CHECK(g.lookup(FUSE_ROOT_ID, "file") == file);
    CHECK(g.lookup(FUSE_ROOT_ID, "d") == dir);
    CHECK(second.log().find("resumed the guest's session") != std::string::npos);
    second.kill_hard();
    std::filesystem::remove_all(state_dir);
}
