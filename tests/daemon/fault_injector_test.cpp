#include "fuse/fault_injector.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <linux/fuse.h>
#include <vector>

using namespace vfsd;
using fuse::FaultRule;

namespace {

// Answers every request with an empty success reply.
struct EchoHandler final : vhost::RequestHandler {
    int handled = 0;
    void handle(vhost::Request request) override {
        ++handled;
        fuse_in_header in{};
        std::memcpy(&in, request.readable()[0].iov_base, sizeof(in));
        fuse_out_header out{sizeof(out), 0, in.unique};
        std::memcpy(request.writable()[0].iov_base, &out, sizeof(out));
        request.complete(sizeof(out));
    }
};

struct Completion final : vhost::RequestCompletion {
    int calls = 0;
    std::uint32_t written = 0;
    void complete_request(std::uint16_t, std::uint32_t n) override {
        ++calls;
        written = n;
    }
};

struct Call {
    fuse_in_header in{};
    fuse_out_header out{};
    Completion completion;
    Call(vhost::RequestHandler& h, std::uint32_t opcode, std::uint64_t unique = 7) {
        in.len = sizeof(in);
        in.opcode = opcode;
        in.unique = unique;
        h.handle(
            vhost::Request({{&in, sizeof(in)}}, {{&out, sizeof(out)}}, &completion, 0, nullptr));
    }
};

FaultRule rule(const char* text) {
    std::string err;
    auto r = FaultRule::parse(text, &err);
    INFO(err);
    REQUIRE(r);
    return *r;
}

} // namespace

TEST_CASE("fault rules parse", "[faults]") {
    auto e = rule("error=EIO:READ@3");
    CHECK(e.kind == FaultRule::Kind::Error);
    CHECK(e.value == EIO);
    CHECK(*e.opcode == FUSE_READ);
    CHECK(e.every == 3);
    CHECK(rule("error=5").value == 5);
    CHECK(rule("delay=100:any").kind == FaultRule::Kind::Delay);
    CHECK_FALSE(rule("drop").opcode);
    std::string err;
    CHECK_FALSE(FaultRule::parse("error=EWHAT", &err));
    CHECK_FALSE(FaultRule::parse("drop:NOSUCHOP", &err));
    CHECK_FALSE(FaultRule::parse("drop@0", &err));
    CHECK_FALSE(FaultRule::parse("explode", &err));
    CHECK(rule("drop").matches_opcode(FUSE_GETATTR));
    CHECK_FALSE(rule("drop").matches_opcode(FUSE_FORGET));
    CHECK_FALSE(rule("drop").matches_opcode(FUSE_INIT));
    CHECK(rule("drop:INIT").matches_opcode(FUSE_INIT));
}

TEST_CASE("error and every-Nth", "[faults]") {
    EchoHandler inner;
    fuse::FaultInjector inj(inner, {rule("error=ENOSPC:WRITE@2")});
    Call a(inj, FUSE_WRITE);
    CHECK(a.out.error == 0);
    Call b(inj, FUSE_WRITE);
    CHECK(b.out.error == -ENOSPC);
    CHECK(b.out.unique == 7);
    Call c(inj, FUSE_READ);
    CHECK(c.out.error == 0);
    CHECK(inner.handled == 2);
}

TEST_CASE("dropped requests are held until released", "[faults]") {
    EchoHandler inner;
    fuse::FaultInjector inj(inner, {rule("drop:GETATTR")});
    Call a(inj, FUSE_GETATTR);
    CHECK(a.completion.calls == 0);
    inj.release_held_requests();
    CHECK(a.completion.calls == 1);
    CHECK(a.completion.written == 0);
}

TEST_CASE("reply headers can be corrupted", "[faults]") {
    EchoHandler inner;
    fuse::FaultInjector inj(
        inner, {rule("bad-len:LOOKUP"), rule("bad-unique:GETATTR"), rule("no-reply:STATFS")});
    Call a(inj, FUSE_LOOKUP);
    CHECK(a.completion.written == sizeof(fuse_out_header));
    CHECK(a.out.len == sizeof(fuse_out_header) + 8);
    Call b(inj, FUSE_GETATTR, 99);
    CHECK(b.out.unique != 99);
    Call c(inj, FUSE_STATFS);
    CHECK(c.completion.calls == 1);
    CHECK(c.completion.written == 0);
}

namespace {

// Says a request may block only if its opcode is FSYNC.
struct FsyncBlocksHandler final : vhost::RequestHandler {
    void handle(vhost::Request) override {}
    bool may_block(const vhost::Request& request) override {
        fuse_in_header in{};
        std::memcpy(&in, request.readable()[0].iov_base, sizeof(in));
        return in.opcode == FUSE_FSYNC;
    }
};

bool asks_may_block(vhost::RequestHandler& h, std::uint32_t opcode) {
    fuse_in_header in{};
    in.len = sizeof(in);
    in.opcode = opcode;
    fuse_out_header out{};
    Completion completion;
    vhost::Request request({{&in, sizeof(in)}}, {{&out, sizeof(out)}}, &completion, 0, nullptr);
    return h.may_block(request);
}

} // namespace

TEST_CASE("a delayed request may block; others are as the server says", "[faults]") {
    FsyncBlocksHandler inner;
    fuse::FaultInjector inj(inner, {rule("delay=5:READ"), rule("drop:GETATTR")});
    CHECK(asks_may_block(inj, FUSE_READ));
    CHECK(asks_may_block(inj, FUSE_FSYNC));
    CHECK_FALSE(asks_may_block(inj, FUSE_WRITE));
    // A dropped request is held without holding up the thread.
    CHECK_FALSE(asks_may_block(inj, FUSE_GETATTR));
}
