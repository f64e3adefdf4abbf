// DAX window mappings: FUSE_SETUPMAPPING/REMOVEMAPPING decoding and checks,
// the range bookkeeping, the vhost-user SHMEM_MAP/UNMAP messages, and guest
// buffers outside guest RAM.
#include "fake_guest_memory.hpp"
#include "fs/passthrough_fs.hpp"
#include "fuse/dax_ranges.hpp"
#include "fuse/fuse_server.hpp"
#include "vhost/frontend_mapper.hpp"
#include "vhost/split_virtqueue.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace vfsd;
namespace stdfs = std::filesystem;

namespace {

constexpr std::uint64_t kMiB = 1 << 20;

// Records what the FUSE layer asked the transport to do.
struct FakeMapper final : DaxMapper {
    struct Call {
        bool map;
        std::uint64_t file_offset, window_offset, length;
        bool writable;
        ino_t ino; // of the fd passed with a map
        int access_mode;
    };
    bool can_map = true;
    int result = 0;
    std::vector<Call> calls;

    bool available() const override { return can_map; }
    int map(int fd, std::uint64_t foff, std::uint64_t moff, std::uint64_t len,
            bool writable) override {
        struct stat st {};
        ::fstat(fd, &st);
        calls.push_back(
            {true, foff, moff, len, writable, st.st_ino, ::fcntl(fd, F_GETFL) & O_ACCMODE});
        return result;
    }
    int unmap(std::uint64_t moff, std::uint64_t len) override {
        calls.push_back({false, 0, moff, len, false, 0, 0});
        return result;
    }
};

struct Scratch {
    stdfs::path root;
    Scratch() {
        char tmpl[] = "/tmp/vfsd-dax-XXXXXX";
        root = ::mkdtemp(tmpl);
        std::ofstream(root / "file") << "hello\n";
        stdfs::create_directory(root / "dir");
    }
    ~Scratch() { stdfs::remove_all(root); }
};

struct Completion final : vhost::RequestCompletion {
    int calls = 0;
    void complete_request(std::uint16_t, std::uint32_t) override { ++calls; }
};

// One request through the server; returns the reply header's error.
struct Call {
    std::vector<std::uint8_t> in;
    std::vector<std::uint8_t> out = std::vector<std::uint8_t>(4096);
    Completion completion;

    Call(std::uint32_t opcode, std::uint64_t nodeid) {
        fuse_in_header h{};
        h.opcode = opcode;
        h.unique = 7;
        h.nodeid = nodeid;
        add(h);
    }
    template <typename T> Call& add(const T& t) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(&t);
        in.insert(in.end(), p, p + sizeof(T));
        return *this;
    }
    Call& name(const char* s) {
        in.insert(in.end(), s, s + std::strlen(s) + 1);
        return *this;
    }
    int run(fuse::FuseServer& server, std::uint64_t unreachable = 0) {
        reinterpret_cast<fuse_in_header*>(in.data())->len = static_cast<std::uint32_t>(in.size());
        vhost::Request r({{in.data(), in.size()}}, {{out.data(), out.size()}}, &completion, 0,
                         nullptr);
        r.set_unreachable_bytes(unreachable);
        server.handle(std::move(r));
        REQUIRE(completion.calls == 1);
        fuse_out_header h;
        std::memcpy(&h, out.data(), sizeof(h));
        return h.error;
    }
    template <typename T> T body() const {
        T t;
        std::memcpy(&t, out.data() + sizeof(fuse_out_header), sizeof(T));
        return t;
    }
};

fuse_init_out init(fuse::FuseServer& server, std::uint32_t flags) {
    fuse_init_in in{};
    in.major = 7;
    in.minor = 38;
    in.flags = flags;
    Call c(FUSE_INIT, 0);
    REQUIRE(c.add(in).run(server) == 0);
    return c.body<fuse_init_out>();
}

fuse_setupmapping_in setup(std::uint64_t foff, std::uint64_t moff, std::uint64_t len,
                           std::uint64_t flags, std::uint64_t fh = fuse::kNoHandle) {
    fuse_setupmapping_in s{};
    s.fh = fh;
    s.foffset = foff;
    s.moffset = moff;
    s.len = len;
    s.flags = flags;
    return s;
}

struct Server {
    Scratch scratch;
    fs::PassthroughFs fs{scratch.root.string(), {}};
    FakeMapper mapper;
    fuse::FuseServer server{fs, [this] {
                                fuse::FuseServerOptions o;
                                o.dax = &mapper;
                                return o;
                            }()};
    std::uint64_t lookup(const char* name) {
        Call c(FUSE_LOOKUP, FUSE_ROOT_ID);
        REQUIRE(c.name(name).run(server) == 0);
        return c.body<fuse_entry_out>().nodeid;
    }
};

constexpr std::uint64_t kRead = FUSE_SETUPMAPPING_FLAG_READ;
constexpr std::uint64_t kWrite = FUSE_SETUPMAPPING_FLAG_WRITE;

} // namespace

TEST_CASE("SETUPMAPPING arguments are checked", "[dax]") {
    CHECK(fuse::check_setupmapping(setup(0, 0, 2 * kMiB, kRead)) == 0);
    CHECK(fuse::check_setupmapping(setup(4096, 8192, 4096, kRead | kWrite)) == 0);
    CHECK(fuse::check_setupmapping(setup(0, 0, 0, kRead)) == EINVAL);               // empty
    CHECK(fuse::check_setupmapping(setup(1, 0, 4096, kRead)) == EINVAL);            // file offset
    CHECK(fuse::check_setupmapping(setup(0, 100, 4096, kRead)) == EINVAL);          // window offset
    CHECK(fuse::check_setupmapping(setup(0, 0, 4097, kRead)) == EINVAL);            // length
    CHECK(fuse::check_setupmapping(setup(0, 0, 4096, kRead | 4)) == EINVAL);        // unknown flag
    CHECK(fuse::check_setupmapping(setup(0, ~0ull - 4095, 8192, kRead)) == EINVAL); // wraps
    CHECK(fuse::check_setupmapping(setup(~0ull - 4095, 0, 4096, kRead)) == EINVAL); // > off_t
    CHECK(fuse::check_setupmapping(setup(0x7ffffffffffff000, 0, 8192, kRead)) == EINVAL);
}

TEST_CASE("REMOVEMAPPING bodies are decoded with count bounded by the request", "[dax]") {
    auto decode = [](std::uint32_t count, std::vector<fuse_removemapping_one> ones) {
        std::vector<std::uint8_t> bytes(sizeof(fuse_removemapping_in));
        fuse_removemapping_in head{count};
        std::memcpy(bytes.data(), &head, sizeof(head));
        for (const auto& o : ones) {
            const auto* p = reinterpret_cast<const std::uint8_t*>(&o);
            bytes.insert(bytes.end(), p, p + sizeof(o));
        }
        std::vector<iovec> spans{{bytes.data(), bytes.size()}};
        fuse::SpanReader in(spans);
        return fuse::decode_removemapping(in);
    };
    auto two = decode(2, {{0, 2 * kMiB}, {4 * kMiB, 2 * kMiB}});
    REQUIRE(two);
    CHECK(two->size() == 2);
    CHECK((*two)[1].moffset == 4 * kMiB);
    CHECK_FALSE(decode(0, {}));                        // nothing to remove
    CHECK_FALSE(decode(3, {{0, 4096}, {8192, 4096}})); // count beyond the request
    CHECK_FALSE(decode(1, {{0, 4096}, {8192, 4096}})); // trailing bytes
    CHECK_FALSE(decode(1, {{100, 4096}}));             // misaligned
    CHECK_FALSE(decode(1, {{0, 0}}));                  // empty
    CHECK_FALSE(decode(1, {{~0ull - 4095, 8192}}));    // wraps
    CHECK_FALSE(decode(0x10000000, {{0, 4096}}));      // huge count, no allocation
}

TEST_CASE("mapped window ranges are tracked and merged", "[dax]") {
    fuse::DaxRanges r;
    r.add(0, 2 * kMiB);
    r.add(2 * kMiB, 2 * kMiB);
    r.add(8 * kMiB, 2 * kMiB);
    r.add(8 * kMiB, 2 * kMiB); // remapped in place (read-only to read-write)
    CHECK(r.size() == 3);
    r.remove(kMiB, 2 * kMiB); // cuts two ranges
    auto all = r.take_all();
    REQUIRE(all.size() == 3);
    CHECK(all[0] == std::pair<std::uint64_t, std::uint64_t>{0, kMiB});
    CHECK(all[1] == std::pair<std::uint64_t, std::uint64_t>{3 * kMiB, kMiB});
    CHECK(all[2] == std::pair<std::uint64_t, std::uint64_t>{8 * kMiB, 2 * kMiB});
    CHECK(r.size() == 0);
    r.add(0, 4096);
    r.add(4096, 4096);
    all = r.take_all();
    REQUIRE(all.size() == 1);
    CHECK(all[0].second == 8192);
}

TEST_CASE("INIT offers MAP_ALIGNMENT only when the frontend can map", "[dax]") {
    Server s;
    auto out = init(s.server, FUSE_MAP_ALIGNMENT | FUSE_ASYNC_READ);
    CHECK((out.flags & FUSE_MAP_ALIGNMENT) != 0);
    CHECK(out.map_alignment == 12);

    Server none;
    none.mapper.can_map = false;
    out = init(none.server, FUSE_MAP_ALIGNMENT | FUSE_ASYNC_READ);
    CHECK((out.flags & FUSE_MAP_ALIGNMENT) == 0);
    CHECK(out.map_alignment == 0);

    Server not_asked;
    out = init(not_asked.server, FUSE_ASYNC_READ);
    CHECK((out.flags & FUSE_MAP_ALIGNMENT) == 0);
}

TEST_CASE("SETUPMAPPING maps the node's file through the mapper", "[dax]") {
    Server s;
    init(s.server, FUSE_MAP_ALIGNMENT);
    const auto node = s.lookup("file");
    struct stat st {};
    REQUIRE(::stat((s.scratch.root / "file").c_str(), &st) == 0);

    SECTION("read-only, by node (fh -1 as a 6.1 guest sends)") {
        Call c(FUSE_SETUPMAPPING, node);
        REQUIRE(c.add(setup(0, 2 * kMiB, 2 * kMiB, kRead)).run(s.server) == 0);
        REQUIRE(s.mapper.calls.size() == 1);
        const auto& m = s.mapper.calls[0];
        CHECK(m.map);
        CHECK(m.ino == st.st_ino);
        CHECK(m.window_offset == 2 * kMiB);
        CHECK(m.length == 2 * kMiB);
        CHECK_FALSE(m.writable);
        CHECK(m.access_mode == O_RDONLY);
    }
    SECTION("read-write, by node") {
        Call c(FUSE_SETUPMAPPING, node);
        REQUIRE(c.add(setup(4096, 0, 8192, kRead | kWrite)).run(s.server) == 0);
        REQUIRE(s.mapper.calls.size() == 1);
        CHECK(s.mapper.calls[0].writable);
        CHECK(s.mapper.calls[0].access_mode == O_RDWR);
        CHECK(s.mapper.calls[0].file_offset == 4096);
    }
    SECTION("by handle: a read-only open cannot be mapped for writing") {
        fuse_open_in o{};
        o.flags = O_RDONLY;
        Call open(FUSE_OPEN, node);
        REQUIRE(open.add(o).run(s.server) == 0);
        const auto fh = open.body<fuse_open_out>().fh;
        Call w(FUSE_SETUPMAPPING, node);
        CHECK(w.add(setup(0, 0, 4096, kRead | kWrite, fh)).run(s.server) == -EACCES);
        Call r(FUSE_SETUPMAPPING, node);
        CHECK(r.add(setup(0, 0, 4096, kRead, fh)).run(s.server) == 0);
        Call bad(FUSE_SETUPMAPPING, node);
        CHECK(bad.add(setup(0, 0, 4096, kRead, fh + 100)).run(s.server) == -EBADF);
        CHECK(s.mapper.calls.size() == 1);
    }
    SECTION("bad requests never reach the mapper") {
        Call misaligned(FUSE_SETUPMAPPING, node);
        CHECK(misaligned.add(setup(0, 100, 4096, kRead)).run(s.server) == -EINVAL);
        Call short_req(FUSE_SETUPMAPPING, node);
        CHECK(short_req.add(std::uint64_t{0}).run(s.server) == -EINVAL);
        Call trailing(FUSE_SETUPMAPPING, node);
        CHECK(trailing.add(setup(0, 0, 4096, kRead)).add(std::uint32_t{0}).run(s.server) ==
              -EINVAL);
        Call dir(FUSE_SETUPMAPPING, s.lookup("dir"));
        CHECK(dir.add(setup(0, 0, 4096, kRead)).run(s.server) == -EINVAL);
        Call unknown(FUSE_SETUPMAPPING, 12345);
        CHECK(unknown.add(setup(0, 0, 4096, kRead)).run(s.server) == -EBADF);
        CHECK(s.mapper.calls.empty());
    }
    SECTION("a frontend error reaches the guest") {
        s.mapper.result = EINVAL;
        Call c(FUSE_SETUPMAPPING, node);
        CHECK(c.add(setup(0, 0, 4096, kRead)).run(s.server) == -EINVAL);
    }
    SECTION("no frontend mapping: ENOSYS") {
        s.mapper.can_map = false;
        Call c(FUSE_SETUPMAPPING, node);
        CHECK(c.add(setup(0, 0, 4096, kRead)).run(s.server) == -ENOSYS);
    }
}

TEST_CASE("REMOVEMAPPING unmaps each range; DESTROY unmaps what is left", "[dax]") {
    Server s;
    init(s.server, FUSE_MAP_ALIGNMENT);
    const auto node = s.lookup("file");
    for (std::uint64_t i = 0; i < 3; ++i) {
        Call c(FUSE_SETUPMAPPING, node);
        REQUIRE(c.add(setup(i * 2 * kMiB, i * 2 * kMiB, 2 * kMiB, kRead)).run(s.server) == 0);
    }
    s.mapper.calls.clear();

    Call rm(FUSE_REMOVEMAPPING, node);
    rm.add(fuse_removemapping_in{2})
        .add(fuse_removemapping_one{0, 2 * kMiB})
        .add(fuse_removemapping_one{4 * kMiB, 2 * kMiB});
    REQUIRE(rm.run(s.server) == 0);
    REQUIRE(s.mapper.calls.size() == 2);
    CHECK_FALSE(s.mapper.calls[0].map);
    CHECK(s.mapper.calls[1].window_offset == 4 * kMiB);

    Call bad(FUSE_REMOVEMAPPING, node);
    bad.add(fuse_removemapping_in{5}).add(fuse_removemapping_one{0, 4096});
    CHECK(bad.run(s.server) == -EINVAL);
    CHECK(s.mapper.calls.size() == 2);

    s.mapper.calls.clear();
    Call destroy(FUSE_DESTROY, 0);
    REQUIRE(destroy.run(s.server) == 0);
    REQUIRE(s.mapper.calls.size() == 1);
    CHECK(s.mapper.calls[0].window_offset == 2 * kMiB);
    CHECK(s.mapper.calls[0].length == 2 * kMiB);
}

TEST_CASE("a request with buffers outside guest RAM fails with EFAULT", "[dax]") {
    Server s;
    init(s.server, 0);
    Call c(FUSE_READ, s.lookup("file"));
    fuse_read_in r{};
    r.size = 4096;
    CHECK(c.add(r).run(s.server, 4096) == -EFAULT);
}

TEST_CASE("a chain's later buffer outside guest memory is reported, not fatal", "[dax]") {
    test::FakeGuest guest(16);
    vhost::SplitVirtqueue vq;
    REQUIRE(vq.attach(guest.memory, 16, guest.addresses, true, 0).empty());
    constexpr std::uint64_t kBuf = test::FakeGuest::kDataGpa;
    constexpr std::uint64_t kWindow = 0x800000000; // not in the memory table
    // header in, header out, then data in the window
    guest.set_desc(0, kBuf, 80, VRING_DESC_F_NEXT, 1);
    guest.set_desc(1, kBuf + 4096, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
    guest.set_desc(2, kWindow, 4096, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
    guest.set_desc(3, kBuf + 8192, 4096, VRING_DESC_F_WRITE);
    guest.post(0);
    auto r = vq.pop();
    REQUIRE(r.status == vhost::PopResult::Status::Chain);
    CHECK(r.chain.readable.size() == 1);
    CHECK(r.chain.writable.size() == 1); // the span after the window one is left out too
    CHECK(r.chain.unreachable_bytes == 8192);

    // The out header itself outside memory: nothing could be replied.
    guest.set_desc(4, kBuf, 80, VRING_DESC_F_NEXT, 5);
    guest.set_desc(5, kWindow, 16, VRING_DESC_F_WRITE);
    guest.post(4);
    CHECK(vq.pop().status == vhost::PopResult::Status::BadChain);
}

TEST_CASE("FrontendMapper sends SHMEM_MAP/UNMAP and waits for the reply", "[dax][vhost]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    UniqueFd frontend(sv[1]);
    vhost::FrontendMapper mapper(std::chrono::milliseconds(300));
    CHECK_FALSE(mapper.available());
    CHECK(mapper.map(0, 0, 0, 4096, false) == ENODEV);
    mapper.attach(UniqueFd(sv[0]), true);
    REQUIRE(mapper.available());

    struct Seen {
        vhost::MessageHeader header{};
        vhost::ShmemMapPayload payload{};
        bool had_fd = false;
    };
    // Plays QEMU for one request: reads it, replies value unless told not to.
    auto serve_one = [&](std::uint64_t value, bool reply) {
        Seen seen;
        iovec iov[2] = {{&seen.header, sizeof(seen.header)}, {&seen.payload, sizeof(seen.payload)}};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr mh{};
        mh.msg_iov = iov;
        mh.msg_iovlen = 2;
        mh.msg_control = control;
        mh.msg_controllen = sizeof(control);
        REQUIRE(::recvmsg(frontend.get(), &mh, MSG_WAITALL) ==
                sizeof(seen.header) + sizeof(seen.payload));
        if (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c), sizeof(fd));
            seen.had_fd = true;
            ::close(fd);
        }
        if (reply) {
            vhost::MessageHeader h{seen.header.request, vhost::kVersion | vhost::kFlagReply, 8};
            REQUIRE(::write(frontend.get(), &h, sizeof(h)) == sizeof(h));
            REQUIRE(::write(frontend.get(), &value, sizeof(value)) == sizeof(value));
        }
        return seen;
    };

    Seen seen;
    std::thread qemu([&] { seen = serve_one(0, true); });
    CHECK(mapper.map(STDIN_FILENO, 8192, 2 * kMiB, 2 * kMiB, true) == 0);
    qemu.join();
    CHECK(seen.header.request == 9);
    CHECK(seen.header.flags == (1u | 0x8u));
    CHECK(seen.header.size == 40);
    CHECK(seen.payload.shmid == 0);
    CHECK(seen.payload.fd_offset == 8192);
    CHECK(seen.payload.shm_offset == 2 * kMiB);
    CHECK(seen.payload.len == 2 * kMiB);
    CHECK(seen.payload.flags == 1);
    CHECK(seen.had_fd);

    qemu = std::thread([&] { seen = serve_one(static_cast<std::uint64_t>(-EINVAL), true); });
    CHECK(mapper.unmap(0, 4096) == EINVAL);
    qemu.join();
    CHECK(seen.header.request == 10);
    CHECK_FALSE(seen.had_fd);

    // No reply in time: EIO; the late reply is skipped before the next one.
    qemu = std::thread([&] { seen = serve_one(0, false); });
    CHECK(mapper.unmap(0, 4096) == EIO);
    qemu.join();
    {
        vhost::MessageHeader h{10, vhost::kVersion | vhost::kFlagReply, 8};
        std::uint64_t late = 1;
        REQUIRE(::write(frontend.get(), &h, sizeof(h)) == sizeof(h));
        REQUIRE(::write(frontend.get(), &late, sizeof(late)) == sizeof(late));
    }
    qemu = std::thread([&] { seen = serve_one(0, true); });
    CHECK(mapper.unmap(4096, 4096) == 0);
    qemu.join();
    CHECK(seen.payload.shm_offset == 4096);

    // A frontend without REPLY_ACK/SLAVE_SEND_FD cannot map.
    mapper.attach(UniqueFd(::dup(frontend.get())), false);
    CHECK_FALSE(mapper.available());
}
