// FUSE_INTERRUPT beyond lock waits: the interrupt registry, and READ/WRITE
// requests blocked in a slow host file (here: a pipe nobody writes to).

#include "app/pooled_handler.hpp"
#include "fake_fs.hpp"
#include "fuse/fuse_server.hpp"
#include "fuse/interrupt_registry.hpp"
#include "fuse_call.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <pthread.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace vfsd;
using vfsd::test::Call;

namespace {

// A pipe: reading its empty read end blocks until a write or a signal.
struct Pipe {
    int fd[2]{-1, -1};
    Pipe() { REQUIRE(::pipe(fd) == 0); }
    ~Pipe() {
        ::close(fd[0]);
        ::close(fd[1]);
    }
    fs::Result<std::size_t> read(void* buf, std::size_t n) const {
        const ssize_t r = ::read(fd[0], buf, n);
        if (r < 0) {
            return fs::Errno{errno};
        }
        return static_cast<std::size_t>(r);
    }
};

// Polls for up to 5 s; the bound only turns a hang into a failure.
template <typename Pred> bool eventually(Pred pred) {
    for (int i = 0; i < 500; ++i) {
        if (pred()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

} // namespace

TEST_CASE("an interrupt ends a call blocked in a system call", "[interrupt]") {
    fuse::InterruptRegistry registry;
    Pipe pipe;
    std::atomic<int> result{-1};
    std::atomic<int> calls{0};
    std::thread reader([&] {
        char c;
        auto r = registry.run(10, [&] {
            ++calls;
            return pipe.read(&c, 1);
        });
        result = r.ok() ? 0 : r.error();
    });
    REQUIRE(eventually([&] { return registry.registered() == 1 && calls == 1; }));
    registry.interrupt(12); // another unique: nothing happens to 10
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(result == -1);
    registry.interrupt(10);
    REQUIRE(eventually([&] { return result != -1; }));
    reader.join();
    CHECK(result == EINTR);
    CHECK(registry.registered() == 0);
}

TEST_CASE("an interrupt that overtakes its request cancels it before it runs", "[interrupt]") {
    fuse::InterruptRegistry registry;
    registry.interrupt(20);
    bool ran = false;
    auto r = registry.run(20, [&] {
        ran = true;
        return fs::Result<std::size_t>(std::size_t{1});
    });
    CHECK(!ran);
    CHECK(r.error() == EINTR);
    // Remembered once: the next request with another unique is not touched.
    auto next = registry.run(22, [] { return fs::Result<std::size_t>(std::size_t{1}); });
    CHECK(next.ok());
}

TEST_CASE("a late wake signal does not cancel the thread's next call", "[interrupt]") {
    fuse::InterruptRegistry registry;
    Pipe pipe;
    REQUIRE(::write(pipe.fd[1], "x", 1) == 1);
    fs::Result<std::size_t> r = fs::Errno{EIO};
    std::thread worker([&] {
        // A signal sent just before the previous call left: pending, muted.
        auto first = registry.enter(30);
        first->bind();
        first->mute();
        ::pthread_kill(::pthread_self(), SIGUSR2);
        first->leave();
        char c;
        // Taken as the next call unmutes, before its read starts.
        r = registry.run(32, [&] { return pipe.read(&c, 1); });
    });
    worker.join();
    REQUIRE(r.ok());
    CHECK(*r == 1);
}

TEST_CASE("cancel_all ends every call and returns when they have left", "[interrupt]") {
    fuse::InterruptRegistry registry;
    Pipe pipe;
    std::atomic<int> ended{0};
    std::vector<std::thread> readers;
    for (std::uint64_t u = 40; u < 44; u += 2) {
        readers.emplace_back([&, u] {
            char c;
            auto r = registry.run(u, [&] { return pipe.read(&c, 1); });
            ended += r.error() == EINTR ? 1 : 100;
        });
    }
    REQUIRE(eventually([&] { return registry.registered() == 2; }));
    registry.cancel_all();
    CHECK(registry.registered() == 0);
    for (auto& t : readers) {
        t.join();
    }
    CHECK(ended == 2);
}

// ---- READ and WRITE through the FUSE server ----

namespace {

// Reads and writes block on a pipe, as on a FUSE or NFS mount of the host
// whose server does not answer.
class SlowFs final : public testing::FakeFs {
public:
    Pipe pipe;
    std::atomic<int> blocked{0};
    fs::Result<std::size_t> read(fs::HandleId, std::span<const iovec> into, off_t) override {
        ++blocked;
        return pipe.read(into[0].iov_base, into[0].iov_len);
    }
    fs::Result<std::size_t> write(fs::HandleId, std::span<const iovec>, off_t) override {
        ++blocked;
        char c;
        return pipe.read(&c, 1); // blocks the same way
    }
};

void init(fuse::FuseServer& server) {
    Call c(FUSE_INIT, 1, 2);
    fuse_init_in in{};
    in.major = 7;
    in.minor = 36;
    c.add(in).send(server);
    REQUIRE(c.error() == 0);
}

void interrupt(vhost::RequestHandler& server, std::uint64_t unique) {
    Call c(FUSE_INTERRUPT, unique | 1, 2);
    c.add(fuse_interrupt_in{unique}).send(server, false);
    CHECK(c.answered()); // buffers back at once, nothing written
}

std::unique_ptr<Call> blocked_io(vhost::RequestHandler& server, std::uint32_t opcode,
                                 std::uint64_t unique, std::thread& worker) {
    auto call = std::make_unique<Call>(opcode, unique, 2);
    if (opcode == FUSE_READ) {
        fuse_read_in rd{};
        rd.fh = 7;
        rd.size = 4096;
        call->add(rd);
    } else {
        fuse_write_in wr{};
        wr.fh = 7;
        wr.size = 8;
        call->add(wr).add(std::uint64_t{0x4141414141414141});
    }
    worker = std::thread([&server, c = call.get()] { c->send(server); });
    return call;
}

} // namespace

TEST_CASE("FUSE_INTERRUPT ends a READ or WRITE blocked on a slow file with EINTR",
          "[interrupt][fuse]") {
    const std::uint32_t opcode = GENERATE(FUSE_READ, FUSE_WRITE);
    SlowFs fs;
    fuse::FuseServer server(fs, fuse::FuseServerOptions{});
    init(server);
    std::thread worker;
    auto call = blocked_io(server, opcode, 100, worker);
    REQUIRE(eventually([&] { return fs.blocked == 1; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(!call->answered());
    // Other requests are served meanwhile (by other workers).
    Call getattr(FUSE_GETATTR, 102, 2);
    getattr.add(fuse_getattr_in{}).send(server);
    CHECK(getattr.error() == 0);
    interrupt(server, 100);
    REQUIRE(eventually([&] { return call->answered(); }));
    worker.join();
    CHECK(call->error() == -EINTR);
    // A late interrupt for it is ignored; the next READ works.
    interrupt(server, 100);
    REQUIRE(::write(fs.pipe.fd[1], "data", 4) == 4);
    std::thread next;
    auto again = blocked_io(server, FUSE_READ, 104, next);
    next.join();
    CHECK(again->error() == 0);
}

TEST_CASE("a stopping queue ends a blocked READ", "[interrupt][fuse]") {
    SlowFs fs;
    fuse::FuseServer server(fs, fuse::FuseServerOptions{});
    init(server);
    std::thread worker;
    auto call = blocked_io(server, FUSE_READ, 200, worker);
    REQUIRE(eventually([&] { return fs.blocked == 1; }));
    server.release_held_requests();
    worker.join();
    CHECK(call->error() == -EINTR);
}

TEST_CASE("an interrupt does not queue behind the blocked workers it must free",
          "[interrupt][fuse]") {
    SlowFs fs;
    fuse::FuseServer server(fs, fuse::FuseServerOptions{});
    init(server);
    // A shared pool of one: its only worker will block.
    vfsd::PooledHandler pool(server, 1);
    std::thread sender;
    auto first = blocked_io(pool, FUSE_READ, 300, sender);
    sender.join(); // handed to the pool
    REQUIRE(eventually([&] { return fs.blocked == 1; }));
    auto queued = blocked_io(pool, FUSE_READ, 302, sender);
    sender.join(); // waits for the worker
    interrupt(pool, 300);
    interrupt(pool, 302); // overtakes its READ: remembered
    REQUIRE(eventually([&] { return first->answered() && queued->answered(); }));
    CHECK(first->error() == -EINTR);
    CHECK(queued->error() == -EINTR);
    CHECK(fs.blocked == 1); // the queued READ never ran
}
