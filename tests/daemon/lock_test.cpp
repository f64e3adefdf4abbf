// File locks end to end in the daemon: PassthroughFs's host OFD locks, and
// the FUSE layer's SETLKW waits and FUSE_INTERRUPT.

#include "fs/passthrough_fs.hpp"
#include "fuse/fault_injector.hpp"
#include "fuse/fuse_server.hpp"
#include "fuse_call.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <linux/virtio_fs.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace vfsd;
using vfsd::test::Call;
namespace stdfs = std::filesystem;

namespace {

struct Scratch {
    stdfs::path base;
    stdfs::path root;
    Scratch() {
        char tmpl[] = "/tmp/vfsd-lock-XXXXXX";
        base = ::mkdtemp(tmpl);
        root = base / "root";
        stdfs::create_directories(root);
        std::ofstream(root / "file") << "hello\n";
    }
    ~Scratch() { stdfs::remove_all(base); }
};

fs::LockRange range(int type, off_t start, off_t end, pid_t pid = 100) {
    fs::LockRange r;
    r.type = type;
    r.start = start;
    r.end = end;
    r.pid = pid;
    return r;
}

// A host process (classic fcntl lock) holding [0, 9] until told to go.
struct HostHolder {
    pid_t pid = -1;
    int go[2]{-1, -1};
    explicit HostHolder(const stdfs::path& file) {
        int ready[2];
        REQUIRE(::pipe(ready) == 0);
        REQUIRE(::pipe(go) == 0);
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(go[1]);
            ::close(ready[0]);
            int fd = ::open(file.c_str(), O_RDWR);
            struct flock fl {};
            fl.l_type = F_WRLCK;
            fl.l_len = 10;
            char c = ::fcntl(fd, F_SETLK, &fl) == 0 ? 'y' : 'n';
            (void)!::write(ready[1], &c, 1);
            (void)!::read(go[0], &c, 1);
            ::_exit(0);
        }
        ::close(go[0]);
        go[0] = -1;
        char c = 0;
        REQUIRE(::read(ready[0], &c, 1) == 1);
        REQUIRE(c == 'y');
        ::close(ready[0]);
        ::close(ready[1]);
    }
    ~HostHolder() {
        ::close(go[1]);
        ::waitpid(pid, nullptr, 0);
    }
};

} // namespace

TEST_CASE("POSIX locks: owners conflict, one owner's locks merge", "[locks]") {
    Scratch s;
    fs::PassthroughFs pfs(s.root, {});
    auto e = pfs.lookup(fs::kRootNode, "file");
    REQUIRE(e.ok());
    auto h1 = pfs.open(e->node, O_RDWR);
    auto h2 = pfs.open(e->node, O_RDONLY);
    REQUIRE(h1.ok());
    REQUIRE(h2.ok());

    CHECK(pfs.setlk(*h1, 1, range(F_WRLCK, 0, 99, 11), false) == 0);
    // The same owner through another handle: its own lock, no conflict.
    CHECK(pfs.setlk(*h2, 1, range(F_RDLCK, 50, 60, 11), false) == 0);
    // Another owner conflicts, on either handle.
    CHECK(pfs.setlk(*h2, 2, range(F_RDLCK, 10, 10, 22), false) == EAGAIN);
    CHECK(pfs.setlk(*h1, 2, range(F_RDLCK, 100, 200, 22), false) == 0);

    auto held = pfs.getlk(*h1, 2, range(F_WRLCK, 0, fs::LockRange::kLockToEnd));
    REQUIRE(held.ok());
    CHECK(held->type == F_WRLCK);
    CHECK(held->start == 0);
    CHECK(held->pid == 11); // a holder in this guest: its guest pid
    auto own = pfs.getlk(*h1, 1, range(F_WRLCK, 0, 49));
    REQUIRE(own.ok());
    CHECK(own->type == F_UNLCK); // one's own locks never conflict

    // Closing any descriptor (FLUSH with the owner) drops all its locks.
    pfs.release_posix_locks(*h2, 1);
    CHECK(pfs.setlk(*h2, 2, range(F_RDLCK, 10, 10), false) == 0);
    pfs.release_posix_locks(*h1, 2);
    CHECK(pfs.lock_files() == 0);
    pfs.reset();
}

TEST_CASE("POSIX locks conflict with the host's own processes", "[locks]") {
    Scratch s;
    fs::PassthroughFs pfs(s.root, {});
    auto e = pfs.lookup(fs::kRootNode, "file");
    auto h = pfs.open(e->node, O_RDWR);
    REQUIRE(h.ok());
    {
        HostHolder host(s.root / "file");
        CHECK(pfs.setlk(*h, 1, range(F_WRLCK, 5, 5), false) == EAGAIN);
        CHECK(pfs.setlk(*h, 1, range(F_WRLCK, 10, 20), false) == 0);
        auto held = pfs.getlk(*h, 3, range(F_RDLCK, 0, 0));
        REQUIRE(held.ok());
        CHECK(held->type == F_WRLCK);
        CHECK(held->start == 0);
        CHECK(held->end == 9);
        CHECK(held->pid == 0); // a host pid means nothing in the guest
    }
    CHECK(pfs.setlk(*h, 1, range(F_WRLCK, 5, 5), false) == 0);
    // And the host sees ours.
    int fd = ::open((s.root / "file").c_str(), O_RDWR);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_start = 15;
    fl.l_len = 1;
    CHECK(::fcntl(fd, F_OFD_SETLK, &fl) == -1);
    ::close(fd);
}

// fuse.ko reads the pid of a GETLK reply as a pid of the guest (the
// mounter's pid namespace): a host pid or another guest's would name an
// unrelated guest process.  Only a holder in this guest gets its pid.
TEST_CASE("F_GETLK pid: the guest pid of a holder in this guest, else 0", "[locks]") {
    Scratch s;
    fs::PassthroughFs guest_a(s.root, {});
    fs::PassthroughFs guest_b(s.root, {}); // another guest's daemon, same files
    auto a = guest_a.open(guest_a.lookup(fs::kRootNode, "file")->node, O_RDWR);
    auto b = guest_b.open(guest_b.lookup(fs::kRootNode, "file")->node, O_RDWR);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE(guest_a.setlk(*a, 1, range(F_WRLCK, 0, 9, 11), false) == 0);

    auto local = guest_a.getlk(*a, 2, range(F_RDLCK, 0, 0));
    REQUIRE(local.ok());
    CHECK(local->pid == 11);
    auto foreign = guest_b.getlk(*b, 2, range(F_RDLCK, 0, 0));
    REQUIRE(foreign.ok());
    CHECK(foreign->type == F_WRLCK);
    CHECK(foreign->start == 0);
    CHECK(foreign->end == 9);
    CHECK(foreign->pid == 0); // the host says -1 (an OFD lock): no process to name

    // A host process's OFD lock: also -1 on the host, also 0 here.
    int fd = ::open((s.root / "file").c_str(), O_RDWR);
    struct flock fl {};
    fl.l_type = F_RDLCK;
    fl.l_start = 20;
    fl.l_len = 5;
    REQUIRE(::fcntl(fd, F_OFD_SETLK, &fl) == 0);
    auto host_ofd = guest_a.getlk(*a, 2, range(F_WRLCK, 20, 20));
    REQUIRE(host_ofd.ok());
    CHECK(host_ofd->type == F_RDLCK);
    CHECK(host_ofd->pid == 0);
    ::close(fd);
}

TEST_CASE("flock: handles conflict, unlock and release free", "[locks]") {
    Scratch s;
    fs::PassthroughFs pfs(s.root, {});
    auto e = pfs.lookup(fs::kRootNode, "file");
    auto h1 = pfs.open(e->node, O_RDONLY);
    auto h2 = pfs.open(e->node, O_RDONLY);
    CHECK(pfs.flock(*h1, fs::FlockOp::Exclusive, false) == 0);
    CHECK(pfs.flock(*h2, fs::FlockOp::Shared, false) == EAGAIN);
    CHECK(pfs.flock(*h1, fs::FlockOp::Unlock, false) == 0);
    CHECK(pfs.flock(*h2, fs::FlockOp::Shared, false) == 0);
    CHECK(pfs.flock(*h1, fs::FlockOp::Exclusive, false) == EAGAIN);
    CHECK(pfs.release(*h2) == 0);
    CHECK(pfs.flock(*h1, fs::FlockOp::Exclusive, false) == 0);
    CHECK(pfs.flock(999, fs::FlockOp::Exclusive, false) == EBADF);
}

TEST_CASE("bad lock ranges get EINVAL", "[locks]") {
    Scratch s;
    fs::PassthroughFs pfs(s.root, {});
    auto e = pfs.lookup(fs::kRootNode, "file");
    auto h = pfs.open(e->node, O_RDWR);
    CHECK(pfs.setlk(*h, 1, range(F_WRLCK, 10, 5), false) == EINVAL);
    CHECK(pfs.setlk(*h, 1, range(F_WRLCK, -1, 5), false) == EINVAL);
    CHECK(pfs.setlk(*h, 1, range(77, 0, 5), false) == EINVAL);
    CHECK(!pfs.getlk(*h, 1, range(F_UNLCK, 0, 5)).ok());
}

// ---- the FUSE layer ----

namespace {

struct Session {
    Scratch scratch;
    fs::PassthroughFs pfs{scratch.root, {}};
    fuse::FuseServer server{pfs, [] {
                                fuse::FuseServerOptions o;
                                o.cache = fuse::CachePolicy::for_mode(fuse::CacheMode::None, false);
                                return o;
                            }()};
    fs::NodeId node = 0;
    std::uint64_t next_unique = 2;

    Session() {
        Call init(FUSE_INIT, 1);
        fuse_init_in in{};
        in.major = 7;
        in.minor = 36;
        in.flags = FUSE_POSIX_LOCKS | FUSE_FLOCK_LOCKS;
        init.add(in).send(server);
        REQUIRE(init.error() == 0);
        const auto out = init.body<fuse_init_out>();
        CHECK((out.flags & FUSE_POSIX_LOCKS) != 0);
        CHECK((out.flags & FUSE_FLOCK_LOCKS) != 0);
        node = pfs.lookup(fs::kRootNode, "file")->node;
    }
    std::uint64_t open() { return *pfs.open(node, O_RDWR); }
    std::unique_ptr<Call> lock(std::uint32_t opcode, std::uint64_t fh, std::uint64_t owner,
                               std::uint32_t type, std::uint32_t flags = 0) {
        return lock_via(server, opcode, fh, owner, type, flags);
    }
    std::unique_ptr<Call> lock_via(vhost::RequestHandler& handler, std::uint32_t opcode,
                                   std::uint64_t fh, std::uint64_t owner, std::uint32_t type,
                                   std::uint32_t flags = 0) {
        auto call = std::make_unique<Call>(opcode, next_unique++, node);
        fuse_lk_in lk{};
        lk.fh = fh;
        lk.owner = owner;
        lk.lk.start = 0;
        lk.lk.end = static_cast<std::uint64_t>(fs::LockRange::kLockToEnd);
        lk.lk.type = type;
        lk.lk.pid = static_cast<std::uint32_t>(owner);
        lk.lk_flags = flags;
        call->add(lk).send(handler);
        return call;
    }
    void interrupt(std::uint64_t unique) {
        Call call(FUSE_INTERRUPT, unique | 1 /* the interrupt bit */, 0);
        fuse_interrupt_in in{unique};
        call.add(in).send(server, false);
        CHECK(call.answered()); // buffers back at once, nothing written
    }
};

} // namespace

TEST_CASE("SETLKW waits without holding the caller; an unlock wakes it", "[locks][fuse]") {
    Session s;
    const auto a = s.open(), b = s.open();
    auto held = s.lock(FUSE_SETLK, a, 1, F_WRLCK);
    REQUIRE(held->answered());
    REQUIRE(held->error() == 0);
    // A dozen waiters: handle() returns for each, none answered yet.
    std::vector<std::unique_ptr<Call>> waiters;
    for (int i = 0; i < 12; ++i) {
        waiters.push_back(s.lock(FUSE_SETLKW, b, 100 + i, F_RDLCK));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (auto& w : waiters) {
        CHECK(!w->answered());
    }
    // Other requests are still served meanwhile.
    auto getlk = s.lock(FUSE_GETLK, b, 7, F_WRLCK);
    REQUIRE(getlk->answered());
    CHECK(getlk->body<fuse_lk_out>().lk.type == F_WRLCK);
    CHECK(getlk->body<fuse_lk_out>().lk.pid == 1);
    auto try_lock = s.lock(FUSE_SETLK, b, 7, F_WRLCK);
    CHECK(try_lock->error() == -EAGAIN);

    auto unlock = s.lock(FUSE_SETLK, a, 1, F_UNLCK);
    CHECK(unlock->error() == 0);
    for (auto& w : waiters) {
        REQUIRE(w->wait());
        CHECK(w->error() == 0); // read locks: all granted together
    }
}

TEST_CASE("FUSE_INTERRUPT ends a SETLKW wait with EINTR", "[locks][fuse][interrupt]") {
    Session s;
    const auto a = s.open(), b = s.open();
    REQUIRE(s.lock(FUSE_SETLK, a, 1, F_WRLCK)->error() == 0);
    auto waiter = s.lock(FUSE_SETLKW, b, 2, F_WRLCK);
    auto other = s.lock(FUSE_SETLKW, b, 3, F_WRLCK);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(!waiter->answered());
    s.interrupt(waiter->unique);
    REQUIRE(waiter->wait());
    CHECK(waiter->error() == -EINTR);
    CHECK(!other->answered()); // only the one interrupted
    // Owner 2 holds nothing: owner 1's lock is still the only one.
    auto getlk = s.lock(FUSE_GETLK, b, 9, F_RDLCK);
    CHECK(getlk->body<fuse_lk_out>().lk.pid == 1);
    // A late interrupt, and one for a unique never seen: no answer, no harm.
    s.interrupt(waiter->unique);
    s.interrupt(987654);
    CHECK(!other->answered());
    REQUIRE(s.lock(FUSE_SETLK, a, 1, F_UNLCK)->error() == 0);
    REQUIRE(other->wait());
    CHECK(other->error() == 0);
}

TEST_CASE("flock waits and is interrupted like SETLKW", "[locks][fuse][interrupt]") {
    Session s;
    const auto a = s.open(), b = s.open();
    REQUIRE(s.lock(FUSE_SETLK, a, 1, F_WRLCK, FUSE_LK_FLOCK)->error() == 0);
    auto waiter = s.lock(FUSE_SETLKW, b, 2, F_WRLCK, FUSE_LK_FLOCK);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(!waiter->answered());
    s.interrupt(waiter->unique);
    REQUIRE(waiter->wait());
    CHECK(waiter->error() == -EINTR);
    auto again = s.lock(FUSE_SETLKW, b, 2, F_WRLCK, FUSE_LK_FLOCK);
    // RELEASE with FLOCK_UNLOCK frees the holder's lock and wakes the waiter.
    Call release(FUSE_RELEASE, s.next_unique++, s.node);
    fuse_release_in rel{};
    rel.fh = a;
    rel.release_flags = FUSE_RELEASE_FLOCK_UNLOCK;
    rel.lock_owner = 1;
    release.add(rel).send(s.server);
    CHECK(release.error() == 0);
    REQUIRE(again->wait());
    CHECK(again->error() == 0);
}

TEST_CASE("an interrupt that overtakes its SETLKW still ends it", "[locks][fuse][interrupt]") {
    Session s;
    const auto a = s.open(), b = s.open();
    REQUIRE(s.lock(FUSE_SETLK, a, 1, F_WRLCK)->error() == 0);
    s.interrupt(s.next_unique); // the next request's unique
    auto waiter = s.lock(FUSE_SETLKW, b, 2, F_WRLCK);
    REQUIRE(waiter->wait());
    CHECK(waiter->error() == -EINTR);
}

TEST_CASE("FLUSH with the owner releases its POSIX locks and wakes waiters", "[locks][fuse]") {
    Session s;
    const auto a = s.open(), b = s.open();
    REQUIRE(s.lock(FUSE_SETLK, a, 1, F_WRLCK)->error() == 0);
    auto waiter = s.lock(FUSE_SETLKW, b, 2, F_WRLCK);
    // Another owner's close changes nothing.
    Call other(FUSE_FLUSH, s.next_unique++, s.node);
    other.add(fuse_flush_in{a, 0, 0, 5}).send(s.server);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(!waiter->answered());
    Call flush(FUSE_FLUSH, s.next_unique++, s.node);
    flush.add(fuse_flush_in{b, 0, 0, 1}).send(s.server); // any handle of the file
    CHECK(flush.error() == 0);
    REQUIRE(waiter->wait());
    CHECK(waiter->error() == 0);
}

TEST_CASE("a stopping queue and a new session end lock waits", "[locks][fuse]") {
    Session s;
    const auto a = s.open(), b = s.open();
    REQUIRE(s.lock(FUSE_SETLK, a, 1, F_WRLCK)->error() == 0);
    auto waiter = s.lock(FUSE_SETLKW, b, 2, F_WRLCK);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    s.server.release_held_requests();
    CHECK(waiter->answered());
    CHECK(waiter->error() == -EINTR);
    auto second = s.lock(FUSE_SETLKW, b, 2, F_WRLCK);
    Call destroy(FUSE_DESTROY, s.next_unique++);
    destroy.send(s.server);
    CHECK(second->answered());
    CHECK(second->error() == -EINTR);
    CHECK(s.pfs.lock_files() == 0); // and every lock went with the session
}

TEST_CASE("INIT answers the capability word only to a guest that asks", "[locks][fuse]") {
    Scratch scratch;
    fs::PassthroughFs pfs(scratch.root, {});
    fuse::FuseServer server(pfs, fuse::FuseServerOptions{});
    for (const bool ask : {false, true}) {
        Call init(FUSE_INIT, 1);
        fuse_init_in in{};
        in.major = 7;
        in.minor = 36;
        if (ask) {
            const std::uint32_t word = VTFS_INIT_EXT_ASK;
            std::memcpy(reinterpret_cast<char*>(&in) + VTFS_INIT_EXT_OFFSET, &word, sizeof(word));
        }
        init.add(in).send(server);
        REQUIRE(init.error() == 0);
        const auto out = init.body<fuse_init_out>();
        std::uint32_t caps = 0;
        std::memcpy(&caps, reinterpret_cast<const char*>(&out) + VTFS_INIT_EXT_OFFSET,
                    sizeof(caps));
        CHECK(caps == (ask ? (VTFS_INIT_EXT_REPLY | VTFS_CAP_INTERRUPTS) : 0U));
    }
}

TEST_CASE("fault injection reaches the lock opcodes and the lock waits", "[locks][faults]") {
    Session s;
    const auto a = s.open(), b = s.open();
    std::string why;
    auto rule = fuse::FaultRule::parse("error=ENOLCK:SETLK", &why);
    REQUIRE(rule);
    fuse::FaultInjector injector(s.server, {*rule});
    CHECK(s.lock_via(injector, FUSE_SETLK, a, 1, F_WRLCK)->error() == -ENOLCK);
    REQUIRE(s.lock_via(injector, FUSE_GETLK, a, 1, F_WRLCK)->error() == 0);
    REQUIRE(s.lock(FUSE_SETLK, a, 1, F_WRLCK)->error() == 0);
    auto waiter = s.lock_via(injector, FUSE_SETLKW, b, 2, F_WRLCK);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(!waiter->answered());
    // A stopping queue asks the outermost handler: the wait must end.
    injector.release_held_requests();
    CHECK(waiter->answered());
    CHECK(waiter->error() == -EINTR);
}

TEST_CASE("malformed lock requests get EINVAL", "[locks][fuse]") {
    Session s;
    const auto a = s.open();
    Call bad(FUSE_SETLK, s.next_unique++, s.node);
    fuse_lk_in lk{};
    lk.fh = a;
    lk.lk.start = 10;
    lk.lk.end = 5;
    lk.lk.type = F_WRLCK;
    bad.add(lk).send(s.server);
    CHECK(bad.error() == -EINVAL);
    Call huge(FUSE_SETLKW, s.next_unique++, s.node);
    lk.lk.start = 0;
    lk.lk.end = ~0ULL;
    huge.add(lk).send(s.server);
    CHECK(huge.error() == -EINVAL);
    Call shortreq(FUSE_GETLK, s.next_unique++, s.node);
    shortreq.add(std::uint64_t{a}).send(s.server);
    CHECK(shortreq.error() == -EINVAL);
}
