// Requests a killed vfsd had taken and its successor runs again
// (vhost::Request::replayed()): their first run may already have changed
// the host, and the guest must get the answer the first run would have given.
#include "fs/passthrough_fs.hpp"
#include "fuse/fuse_server.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace vfsd;
namespace stdfs = std::filesystem;

namespace {

struct Recorder final : vhost::RequestCompletion {
    int calls = 0;
    void complete_request(std::uint16_t, std::uint32_t) override { ++calls; }
};

// One FUSE request with its arguments, run as new or as replayed.
class Call {
public:
    Call(std::uint32_t opcode, std::uint64_t nodeid) : out_(4096) {
        fuse_in_header h{};
        h.opcode = opcode;
        h.unique = 7;
        h.nodeid = nodeid;
        add(&h, sizeof(h));
    }
    template <typename T> Call& arg(const T& v) {
        add(&v, sizeof(v));
        return *this;
    }
    Call& name(const std::string& s) {
        add(s.c_str(), s.size() + 1);
        return *this;
    }
    // The reply's error (0 or -errno); has_reply false for FORGET.
    int run(fuse::FuseServer& server, bool replayed) {
        reinterpret_cast<fuse_in_header*>(in_.data())->len = static_cast<std::uint32_t>(in_.size());
        std::vector<iovec> r{{in_.data(), in_.size()}};
        std::vector<iovec> w{{out_.data(), out_.size()}};
        vhost::Request request(r, w, &done_, 0, nullptr);
        request.set_replayed(replayed);
        server.handle(std::move(request));
        REQUIRE(done_.calls == 1);
        fuse_out_header h;
        std::memcpy(&h, out_.data(), sizeof(h));
        return h.error;
    }
    template <typename T> T body() const {
        T v;
        std::memcpy(&v, out_.data() + sizeof(fuse_out_header), sizeof(v));
        return v;
    }

private:
    void add(const void* p, std::size_t n) {
        const auto* b = static_cast<const std::uint8_t*>(p);
        in_.insert(in_.end(), b, b + n);
    }
    std::vector<std::uint8_t> in_;
    std::vector<char> out_;
    Recorder done_;
};

struct Served {
    stdfs::path root;
    fs::PassthroughFs fs;
    fuse::FuseServer server;
    explicit Served(const stdfs::path& dir)
        : root(dir), fs(dir, {}), server(fs, [] {
              fuse::FuseServerOptions o;
              o.cache = fuse::CachePolicy::for_mode(fuse::CacheMode::None, false);
              return o;
          }()) {
        fuse_init_in in{};
        in.major = 7;
        in.minor = 38;
        REQUIRE(Call(FUSE_INIT, 0).arg(in).run(server, false) == 0);
    }
};

struct TempTree {
    stdfs::path dir;
    TempTree() {
        char tmpl[] = "/tmp/vfsd-replay-XXXXXX";
        dir = ::mkdtemp(tmpl);
        stdfs::create_directory(dir / "made");
        std::ofstream(dir / "created") << "x";
        std::ofstream(dir / "renamed-to") << "y";
    }
    ~TempTree() { stdfs::remove_all(dir); }
};

} // namespace

TEST_CASE("a replayed MKDIR whose first run made the directory answers its entry", "[replay]") {
    TempTree t;
    Served s(t.dir);
    fuse_mkdir_in mk{};
    mk.mode = 0755;
    CHECK(Call(FUSE_MKDIR, FUSE_ROOT_ID).arg(mk).name("made").run(s.server, false) == -EEXIST);
    Call again(FUSE_MKDIR, FUSE_ROOT_ID);
    again.arg(mk).name("made");
    REQUIRE(again.run(s.server, true) == 0);
    const auto node = again.body<fuse_entry_out>().nodeid;
    CHECK(s.fs.lookup(FUSE_ROOT_ID, "made")->node == node);
    // A name that is not there is made as usual.
    CHECK(Call(FUSE_MKDIR, FUSE_ROOT_ID).arg(mk).name("fresh").run(s.server, true) == 0);
    CHECK(stdfs::is_directory(t.dir / "fresh"));
}

TEST_CASE("a replayed CREATE with O_EXCL opens what its first run made", "[replay]") {
    TempTree t;
    Served s(t.dir);
    fuse_create_in cr{};
    cr.flags = O_RDWR | O_CREAT | O_EXCL;
    cr.mode = S_IFREG | 0644;
    CHECK(Call(FUSE_CREATE, FUSE_ROOT_ID).arg(cr).name("created").run(s.server, false) == -EEXIST);
    Call again(FUSE_CREATE, FUSE_ROOT_ID);
    again.arg(cr).name("created");
    REQUIRE(again.run(s.server, true) == 0);
    CHECK(s.fs.open_handles() == 1);
}

TEST_CASE("a replayed UNLINK or RMDIR of a missing name succeeds", "[replay]") {
    TempTree t;
    Served s(t.dir);
    CHECK(Call(FUSE_UNLINK, FUSE_ROOT_ID).name("gone").run(s.server, false) == -ENOENT);
    CHECK(Call(FUSE_UNLINK, FUSE_ROOT_ID).name("gone").run(s.server, true) == 0);
    CHECK(Call(FUSE_RMDIR, FUSE_ROOT_ID).name("gone").run(s.server, true) == 0);
    // An existing name is still removed.
    CHECK(Call(FUSE_UNLINK, FUSE_ROOT_ID).name("created").run(s.server, true) == 0);
    CHECK_FALSE(stdfs::exists(t.dir / "created"));
}

TEST_CASE("a replayed RENAME whose first run moved the file succeeds", "[replay]") {
    TempTree t;
    Served s(t.dir);
    fuse_rename2_in rn{};
    rn.newdir = FUSE_ROOT_ID;
    auto rename = [&](bool replayed) {
        return Call(FUSE_RENAME2, FUSE_ROOT_ID)
            .arg(rn)
            .name("renamed-from")
            .name("renamed-to")
            .run(s.server, replayed);
    };
    CHECK(rename(false) == -ENOENT);
    CHECK(rename(true) == 0);
    // Neither name there: the first run cannot have happened.
    stdfs::remove(t.dir / "renamed-to");
    CHECK(rename(true) == -ENOENT);
}

TEST_CASE("a replayed FORGET drops nothing", "[replay]") {
    TempTree t;
    Served s(t.dir);
    const auto node = s.fs.lookup(FUSE_ROOT_ID, "created")->node;
    fuse_forget_in fg{};
    fg.nlookup = 1;
    Call(FUSE_FORGET, node).arg(fg).run(s.server, true);
    CHECK(s.fs.inodes().lookup_count(node) == 1);
    Call(FUSE_FORGET, node).arg(fg).run(s.server, false);
    CHECK(s.fs.inodes().lookup_count(node) == 0);
}
