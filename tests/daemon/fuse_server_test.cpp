#include "fake_fs.hpp"
#include "fuse/fuse_server.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <map>
#include <string>
#include <vector>

using namespace vfsd;
using vfsd::testing::FakeFs;

namespace {

struct Completion final : vhost::RequestCompletion {
    int calls = 0;
    std::uint32_t written = 0;
    void complete_request(std::uint16_t, std::uint32_t n) override {
        ++calls;
        written = n;
    }
};

constexpr char kGuard = '\x5a';

// One request: header + args in a readable buffer, a writable buffer of
// out_size bytes followed by guard bytes that must stay untouched.
struct Exchange {
    std::vector<std::uint8_t> in;
    std::vector<char> out;
    std::size_t out_size;
    Completion completion;

    Exchange(std::uint32_t opcode, std::uint64_t nodeid, std::size_t out_size_ = 4096)
        : out(out_size_ + 64, kGuard), out_size(out_size_) {
        fuse_in_header h{};
        h.opcode = opcode;
        h.unique = 42;
        h.nodeid = nodeid;
        append(&h, sizeof(h));
    }
    void append(const void* p, std::size_t n) {
        const auto* b = static_cast<const std::uint8_t*>(p);
        in.insert(in.end(), b, b + n);
    }
    template <typename T> Exchange& arg(const T& t) {
        append(&t, sizeof(t));
        return *this;
    }
    // The caller's ids in the header.
    Exchange& as(std::uint32_t uid, std::uint32_t gid) {
        auto* h = reinterpret_cast<fuse_in_header*>(in.data());
        h->uid = uid;
        h->gid = gid;
        return *this;
    }
    Exchange& name(const std::string& s) {
        append(s.c_str(), s.size() + 1);
        return *this;
    }
    // Sets header.len to the real length plus delta.
    void run(fuse::FuseServer& server, long len_delta = 0) {
        auto* h = reinterpret_cast<fuse_in_header*>(in.data());
        if (in.size() >= sizeof(fuse_in_header)) {
            h->len = static_cast<std::uint32_t>(static_cast<long>(in.size()) + len_delta);
        }
        std::vector<iovec> r{{in.data(), in.size()}};
        std::vector<iovec> w;
        if (out_size > 0) {
            w.push_back({out.data(), out_size});
        }
        server.handle(vhost::Request(r, w, &completion, 0, nullptr));
        REQUIRE(completion.calls == 1);
        for (std::size_t i = out_size; i < out.size(); ++i) {
            REQUIRE(out[i] == kGuard);
        }
    }
    fuse_out_header header() const {
        fuse_out_header h;
        std::memcpy(&h, out.data(), sizeof(h));
        return h;
    }
    template <typename T> T body() const {
        T t;
        std::memcpy(&t, out.data() + sizeof(fuse_out_header), sizeof(T));
        return t;
    }
};

fuse::FuseServerOptions options() {
    fuse::FuseServerOptions o;
    o.cache = fuse::CachePolicy::for_mode(fuse::CacheMode::Auto, false);
    return o;
}

void init(fuse::FuseServer& server) {
    Exchange x(FUSE_INIT, 0);
    fuse_init_in in{};
    in.major = 7;
    in.minor = 38;
    in.max_readahead = 65536;
    in.flags = 0xffffffff;
    x.arg(in).run(server);
    REQUIRE(x.header().error == 0);
}

} // namespace

TEST_CASE("INIT negotiates within what the guest offers", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    Exchange x(FUSE_INIT, 0);
    fuse_init_in in{};
    in.major = 7;
    in.minor = 38;
    in.flags = FUSE_ASYNC_READ | FUSE_MAX_PAGES | FUSE_WRITEBACK_CACHE;
    x.arg(in).run(server);
    auto h = x.header();
    CHECK(h.error == 0);
    CHECK(h.unique == 42);
    CHECK(h.len == sizeof(fuse_out_header) + sizeof(fuse_init_out));
    auto out = x.body<fuse_init_out>();
    CHECK(out.major == 7);
    CHECK(out.flags == (FUSE_ASYNC_READ | FUSE_MAX_PAGES)); // no writeback unless asked
    CHECK(out.max_write == 1024 * 1024);
    CHECK(out.max_pages == 256);
    CHECK(server.initialized());
}

TEST_CASE("requests before INIT fail with EIO", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    Exchange x(FUSE_GETATTR, 1);
    x.arg(fuse_getattr_in{}).run(server);
    CHECK(x.header().error == -EIO);
}

TEST_CASE("names longer than NAME_MAX reach the file system", "[fuse][errno]") {
    // The file system, not decoding, answers them (ENAMETOOLONG, not EINVAL).
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    const std::string name(1024, 'n');
    Exchange x(FUSE_MKDIR, 1);
    x.arg(fuse_mkdir_in{}).name(name).run(server);
    CHECK(fs.last_name == name);
    CHECK(x.header().error == -EEXIST);
}

TEST_CASE("truncated and oversized requests get EINVAL", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    SECTION("header claims more than was sent") {
        Exchange x(FUSE_LOOKUP, 1);
        x.name("a").run(server, +100);
        CHECK(x.header().error == -EINVAL);
    }
    SECTION("header claims less than was sent") {
        Exchange x(FUSE_LOOKUP, 1);
        x.name("a").run(server, -1);
        CHECK(x.header().error == -EINVAL);
    }
    SECTION("in-struct cut short") {
        Exchange x(FUSE_GETATTR, 1);
        x.append("abc", 3);
        x.run(server);
        CHECK(x.header().error == -EINVAL);
    }
    SECTION("name without NUL") {
        Exchange x(FUSE_LOOKUP, 1);
        x.append("abc", 3);
        x.run(server);
        CHECK(x.header().error == -EINVAL);
        CHECK(fs.last_name.empty());
    }
    SECTION("bytes after the name") {
        Exchange x(FUSE_MKDIR, 1);
        x.arg(fuse_mkdir_in{}).name("d").append("zz", 2);
        x.run(server);
        CHECK(x.header().error == -EINVAL);
    }
    SECTION("write whose size disagrees with its data") {
        Exchange x(FUSE_WRITE, 2);
        fuse_write_in w{};
        w.size = 100;
        x.arg(w).append("0123456789", 10);
        x.run(server);
        CHECK(x.header().error == -EINVAL);
    }
    SECTION("rename missing the second name") {
        Exchange x(FUSE_RENAME, 1);
        x.arg(fuse_rename_in{1}).name("old");
        x.run(server);
        CHECK(x.header().error == -EINVAL);
    }
    SECTION("setxattr value shorter than announced") {
        Exchange x(FUSE_SETXATTR, 1);
        fuse_setxattr_in s{};
        s.size = 50;
        x.append(&s, FUSE_COMPAT_SETXATTR_IN_SIZE);
        x.name("user.x").append("v", 1);
        x.run(server);
        CHECK(x.header().error == -EINVAL);
    }
}

TEST_CASE("a request shorter than its header is completed without a reply", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    Exchange x(FUSE_LOOKUP, 1);
    x.in.resize(10);
    x.run(server);
    CHECK(x.completion.written == 0);
    CHECK(x.out[0] == kGuard);
}

TEST_CASE("a reply buffer too small for the header completes empty", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    Exchange x(FUSE_LOOKUP, 1, 8);
    x.name("a").run(server);
    CHECK(x.completion.written == 0);
}

TEST_CASE("a reply that does not fit becomes EIO, never an overflow", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    Exchange x(FUSE_LOOKUP, 1, sizeof(fuse_out_header) + 8);
    x.name("a").run(server);
    CHECK(x.header().error == -EIO);
    CHECK(x.completion.written == sizeof(fuse_out_header));
}

TEST_CASE("LOOKUP replies with an entry and cache timeouts", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    Exchange x(FUSE_LOOKUP, 1);
    x.name("a").run(server);
    REQUIRE(x.header().error == 0);
    auto e = x.body<fuse_entry_out>();
    CHECK(e.nodeid == 2);
    CHECK(e.attr.ino == 1234);
    CHECK(e.entry_valid == 1);
    CHECK(e.attr_valid == 1);
    Exchange y(FUSE_LOOKUP, 1);
    y.name("nope").run(server);
    CHECK(y.header().error == -ENOENT);
}

TEST_CASE("READ fills at most the writable space", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    Exchange x(FUSE_READ, 2, sizeof(fuse_out_header) + 100);
    fuse_read_in r{};
    r.fh = 7;
    r.size = 4096;
    x.arg(r).run(server);
    CHECK(x.header().error == 0);
    CHECK(x.header().len == sizeof(fuse_out_header) + 100);
    CHECK(x.completion.written == sizeof(fuse_out_header) + 100);
}

TEST_CASE("WRITE passes the data spans through", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    Exchange x(FUSE_WRITE, 2);
    fuse_write_in w{};
    w.fh = 7;
    w.size = 10;
    x.arg(w).append("0123456789", 10);
    x.run(server);
    CHECK(x.header().error == 0);
    CHECK(x.body<fuse_write_out>().size == 10);
    CHECK(fs.last_write == 10);
}

TEST_CASE("FORGET and BATCH_FORGET take no reply and trust no count", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    Exchange f(FUSE_FORGET, 5, 0);
    f.arg(fuse_forget_in{3}).run(server);
    CHECK(f.completion.written == 0);
    CHECK(fs.forgotten[5] == 3);

    Exchange b(FUSE_BATCH_FORGET, 0, 0);
    fuse_batch_forget_in bf{};
    bf.count = 1000; // only two follow
    b.arg(bf).arg(fuse_forget_one{6, 1}).arg(fuse_forget_one{7, 2}).run(server);
    CHECK(b.completion.written == 0);
    CHECK(fs.forgotten[6] == 1);
    CHECK(fs.forgotten[7] == 2);
}

TEST_CASE("READDIRPLUS stops at the buffer size and returns unused references", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    Exchange x(FUSE_READDIRPLUS, 1);
    fuse_read_in r{};
    r.fh = 8;
    // Room for two entries with 3-character names, not three.
    r.size = 2 * FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + 3) + 8;
    x.arg(r).run(server);
    REQUIRE(x.header().error == 0);
    CHECK(x.header().len ==
          sizeof(fuse_out_header) + 2 * FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + 3));
    CHECK(fs.forgotten[12] == 1);
    auto first = x.body<fuse_direntplus>();
    CHECK(first.entry_out.nodeid == 10);
    CHECK(first.dirent.namelen == 3);
    CHECK(first.dirent.off == 1);
}

TEST_CASE("GETXATTR size query and value", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    Exchange q(FUSE_GETXATTR, 1);
    q.arg(fuse_getxattr_in{0, 0}).name("user.x").run(server);
    CHECK(q.body<fuse_getxattr_out>().size == 5);
    Exchange v(FUSE_GETXATTR, 1);
    v.arg(fuse_getxattr_in{64, 0}).name("user.x").run(server);
    CHECK(v.header().len == sizeof(fuse_out_header) + 5);
    CHECK(std::string(v.out.data() + sizeof(fuse_out_header), 5) == "value");
}

TEST_CASE("unknown opcodes get ENOSYS", "[fuse]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    Exchange x(9999, 1);
    x.run(server);
    CHECK(x.header().error == -ENOSYS);
    Exchange lk(FUSE_GETLK, 1);
    lk.arg(fuse_lk_in{}).run(server);
    CHECK(lk.header().error == -ENOSYS);
}

TEST_CASE("cache modes set open flags and timeouts", "[fuse]") {
    using fuse::CacheMode;
    using fuse::CachePolicy;
    auto none = CachePolicy::for_mode(CacheMode::None, false);
    CHECK(none.entry_timeout_sec == 0);
    CHECK(none.file_open_flags == FOPEN_DIRECT_IO);
    auto always = CachePolicy::for_mode(CacheMode::Always, true);
    CHECK(always.attr_timeout_sec == 86400);
    CHECK(always.file_open_flags == FOPEN_KEEP_CACHE);
    CHECK(always.dir_open_flags == (FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR));
    CHECK(always.writeback);
}

namespace {

// A share whose guest ids 0-65535 are host ids 100000-165535.
fuse::FuseServerOptions mapped_options() {
    auto o = options();
    REQUIRE(!o.ids.uids.add("map:0:100000:65536"));
    REQUIRE(!o.ids.gids.add("map:0:100000:65536"));
    return o;
}

} // namespace

TEST_CASE("id translation: a new node's owner is the caller in host ids", "[fuse][idmap]") {
    FakeFs fs;
    fuse::FuseServer server(fs, mapped_options());
    init(server);
    Exchange x(FUSE_MKDIR, 1);
    x.as(0, 1000).arg(fuse_mkdir_in{}).name("d").run(server);
    REQUIRE(fs.last_caller);
    CHECK(fs.last_caller->uid == 100000);
    CHECK(fs.last_caller->gid == 101000);
}

TEST_CASE("id translation: unmapped guest ids may not create or chown", "[fuse][idmap]") {
    FakeFs fs;
    fuse::FuseServer server(fs, mapped_options());
    init(server);
    SECTION("MKDIR by an unmapped uid") {
        Exchange x(FUSE_MKDIR, 1);
        x.as(70000, 0).arg(fuse_mkdir_in{}).name("d").run(server);
        CHECK(x.header().error == -EPERM);
        CHECK(!fs.last_caller); // the file system never saw it
    }
    SECTION("CREATE, MKNOD, SYMLINK by an unmapped gid") {
        Exchange c(FUSE_CREATE, 1);
        c.as(0, 70000).arg(fuse_create_in{}).name("f").run(server);
        CHECK(c.header().error == -EPERM); // FakeFs itself answers ENOSYS
        Exchange m(FUSE_MKNOD, 1);
        m.as(0, 70000).arg(fuse_mknod_in{}).name("n").run(server);
        CHECK(m.header().error == -EPERM);
        Exchange s(FUSE_SYMLINK, 1);
        s.as(0, 70000).name("l").name("target").run(server);
        CHECK(s.header().error == -EPERM);
    }
    SECTION("SETATTR to an unmapped uid or gid") {
        for (auto valid : {FATTR_UID, FATTR_GID}) {
            Exchange x(FUSE_SETATTR, 2);
            fuse_setattr_in arg{};
            arg.valid = valid;
            arg.uid = 70000;
            arg.gid = 70000;
            x.arg(arg).run(server);
            CHECK(x.header().error == -EPERM);
        }
        CHECK(!fs.last_change);
    }
}

TEST_CASE("id translation: SETATTR's owner goes to the host translated", "[fuse][idmap]") {
    FakeFs fs;
    fuse::FuseServer server(fs, mapped_options());
    init(server);
    Exchange x(FUSE_SETATTR, 2);
    fuse_setattr_in arg{};
    arg.valid = FATTR_UID | FATTR_GID;
    arg.uid = 1000;
    arg.gid = 0;
    x.arg(arg).run(server);
    REQUIRE(fs.last_change);
    CHECK(fs.last_change->uid == 101000u);
    CHECK(fs.last_change->gid == 100000u);
    Exchange mode(FUSE_SETATTR, 2);
    fuse_setattr_in chmod{};
    chmod.valid = FATTR_MODE;
    chmod.uid = 70000; // not valid: not looked at
    mode.arg(chmod).run(server);
    CHECK(!fs.last_change->uid);
}

TEST_CASE("id translation: replies show owners in guest ids", "[fuse][idmap]") {
    FakeFs fs;
    fuse::FuseServer server(fs, mapped_options());
    init(server);
    fs.owner_uid = 101000;
    fs.owner_gid = 100000;
    Exchange l(FUSE_LOOKUP, 1);
    l.name("a").run(server);
    REQUIRE(l.header().error == 0);
    CHECK(l.body<fuse_entry_out>().attr.uid == 1000);
    CHECK(l.body<fuse_entry_out>().attr.gid == 0);
    Exchange g(FUSE_GETATTR, 2);
    g.arg(fuse_getattr_in{}).run(server);
    CHECK(g.body<fuse_attr_out>().attr.uid == 1000);
    SECTION("a host owner outside the map is the overflow id") {
        fs.owner_uid = 5;
        fs.owner_gid = 200000;
        Exchange o(FUSE_GETATTR, 2);
        o.arg(fuse_getattr_in{}).run(server);
        CHECK(o.body<fuse_attr_out>().attr.uid == 65534);
        CHECK(o.body<fuse_attr_out>().attr.gid == 65534);
    }
    SECTION("READDIRPLUS entries too") {
        Exchange x(FUSE_READDIRPLUS, 1);
        fuse_read_in r{};
        r.fh = 8;
        r.size = 4096;
        x.arg(r).run(server);
        REQUIRE(x.header().error == 0);
        // FakeFs's entries are owned by host root, which the map leaves out.
        CHECK(x.body<fuse_direntplus>().entry_out.attr.uid == 65534);
    }
}

TEST_CASE("id translation: none leaves ids as they are", "[fuse][idmap]") {
    FakeFs fs;
    fuse::FuseServer server(fs, options());
    init(server);
    fs.owner_uid = 5;
    Exchange g(FUSE_GETATTR, 2);
    g.arg(fuse_getattr_in{}).run(server);
    CHECK(g.body<fuse_attr_out>().attr.uid == 5);
    Exchange x(FUSE_MKDIR, 1);
    x.as(70000, 3).arg(fuse_mkdir_in{}).name("d").run(server);
    REQUIRE(fs.last_caller);
    CHECK(fs.last_caller->uid == 70000);
    CHECK(fs.last_caller->gid == 3);
}

TEST_CASE("id translation: POSIX ACL xattrs, whose ids it cannot reach, are refused",
          "[fuse][idmap]") {
    FakeFs fs;
    fuse::FuseServer server(fs, mapped_options());
    init(server);
    for (const char* acl : {"system.posix_acl_access", "system.posix_acl_default"}) {
        INFO(acl);
        Exchange g(FUSE_GETXATTR, 1);
        g.arg(fuse_getxattr_in{64, 0}).name(acl).run(server);
        CHECK(g.header().error == -EOPNOTSUPP);
        Exchange s(FUSE_SETXATTR, 1);
        fuse_setxattr_in in{};
        in.size = 4;
        s.append(&in, FUSE_COMPAT_SETXATTR_IN_SIZE);
        s.name(acl).append("\x02\0\0\0", 4);
        s.run(server);
        CHECK(s.header().error == -EOPNOTSUPP);
    }
    Exchange u(FUSE_GETXATTR, 1);
    u.arg(fuse_getxattr_in{64, 0}).name("user.x").run(server);
    CHECK(u.header().error == 0);
    SECTION("without translation they reach the file system") {
        fuse::FuseServer plain(fs, options());
        init(plain);
        Exchange p(FUSE_GETXATTR, 1);
        p.arg(fuse_getxattr_in{64, 0}).name("system.posix_acl_access").run(plain);
        CHECK(p.header().error == 0);
    }
}
