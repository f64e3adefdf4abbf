#include "fake_guest_memory.hpp"
#include "vhost/split_virtqueue.hpp"

#include <catch2/catch.hpp>

using vfsd::test::FakeGuest;
using vfsd::vhost::PopResult;
using vfsd::vhost::SplitVirtqueue;
using Status = PopResult::Status;

namespace {

constexpr std::uint64_t kBuf = FakeGuest::kDataGpa;

struct Queue {
    FakeGuest guest{16};
    SplitVirtqueue vq;
    explicit Queue(bool event_idx = true) {
        REQUIRE(vq.attach(guest.memory, 16, guest.addresses, event_idx, 0).empty());
    }
};

} // namespace

TEST_CASE("an empty ring pops nothing and asks for a kick", "[virtqueue]") {
    Queue q;
    CHECK(q.vq.pop().status == Status::Empty);
    CHECK(q.guest.avail_event() == 0);
}

TEST_CASE("a readable+writable chain becomes host spans", "[virtqueue]") {
    Queue q;
    q.guest.set_desc(0, kBuf, 40, VRING_DESC_F_NEXT, 1);
    q.guest.set_desc(1, kBuf + 100, 10, VRING_DESC_F_NEXT, 2);
    q.guest.set_desc(2, kBuf + 4096, 4096, VRING_DESC_F_WRITE);
    q.guest.post(0);
    auto r = q.vq.pop();
    REQUIRE(r.status == Status::Chain);
    CHECK(r.chain.head == 0);
    REQUIRE(r.chain.readable.size() == 2);
    CHECK(r.chain.readable[0].iov_base == q.guest.host(kBuf));
    CHECK(r.chain.readable[0].iov_len == 40);
    CHECK(r.chain.readable[1].iov_len == 10);
    REQUIRE(r.chain.writable.size() == 1);
    CHECK(r.chain.writable[0].iov_base == q.guest.host(kBuf + 4096));
    CHECK(q.vq.pop().status == Status::Empty);
}

TEST_CASE("a kick is asked for once the ring is found empty, not while it is served",
          "[virtqueue]") {
    Queue q;
    for (std::uint16_t i = 0; i < 3; ++i) {
        q.guest.set_desc(i, kBuf + i * 4096, 64, VRING_DESC_F_WRITE);
        q.guest.post(i);
    }
    for (int i = 0; i < 3; ++i) {
        REQUIRE(q.vq.pop().status == Status::Chain);
        CHECK(q.guest.avail_event() == 0);
    }
    CHECK(q.vq.pop().status == Status::Empty);
    CHECK(q.guest.avail_event() == 3);
}

TEST_CASE("malformed chains are rejected one by one, the ring goes on", "[virtqueue]") {
    Queue q;
    SECTION("descriptor loop") {
        q.guest.set_desc(0, kBuf, 8, VRING_DESC_F_NEXT, 1);
        q.guest.set_desc(1, kBuf, 8, VRING_DESC_F_NEXT, 0);
    }
    SECTION("next index out of range") {
        q.guest.set_desc(0, kBuf, 8, VRING_DESC_F_NEXT, 16);
    }
    SECTION("buffer outside guest memory") {
        q.guest.set_desc(0, FakeGuest::kGpaBase + FakeGuest::kSize - 4, 8, 0);
    }
    SECTION("buffer below guest memory") {
        q.guest.set_desc(0, 0x1000, 8, 0);
    }
    SECTION("buffer whose end wraps around") {
        q.guest.set_desc(0, ~0ull - 2, 8, 0);
    }
    SECTION("readable after writable") {
        q.guest.set_desc(0, kBuf, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
        q.guest.set_desc(1, kBuf, 8, 0);
    }
    SECTION("indirect table with a partial descriptor") {
        q.guest.set_desc(0, kBuf, 20, VRING_DESC_F_INDIRECT);
    }
    SECTION("indirect table of length 0") {
        q.guest.set_desc(0, kBuf, 0, VRING_DESC_F_INDIRECT);
    }
    SECTION("huge indirect table") {
        q.guest.set_desc(0, kBuf, 16 * 100000, VRING_DESC_F_INDIRECT);
    }
    SECTION("indirect with NEXT") {
        q.guest.set_desc(0, kBuf, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
        q.guest.set_desc(1, kBuf, 8, 0);
    }
    SECTION("nested indirect") {
        auto* table = reinterpret_cast<vring_desc*>(q.guest.host(kBuf));
        table[0] = vring_desc{kBuf + 256, 16, VRING_DESC_F_INDIRECT, 0};
        q.guest.set_desc(0, kBuf, 16, VRING_DESC_F_INDIRECT);
    }
    SECTION("loop inside an indirect table") {
        auto* table = reinterpret_cast<vring_desc*>(q.guest.host(kBuf));
        table[0] = vring_desc{kBuf + 512, 8, VRING_DESC_F_NEXT, 1};
        table[1] = vring_desc{kBuf + 512, 8, VRING_DESC_F_NEXT, 0};
        q.guest.set_desc(0, kBuf, 32, VRING_DESC_F_INDIRECT);
    }
    SECTION("indirect next out of its table") {
        auto* table = reinterpret_cast<vring_desc*>(q.guest.host(kBuf));
        table[0] = vring_desc{kBuf + 512, 8, VRING_DESC_F_NEXT, 2};
        q.guest.set_desc(0, kBuf, 16, VRING_DESC_F_INDIRECT);
    }
    q.guest.post(0);
    q.guest.set_desc(5, kBuf + 1024, 8, 0);
    q.guest.post(5);
    auto bad = q.vq.pop();
    CHECK(bad.status == Status::BadChain);
    CHECK(bad.chain.head == 0);
    CHECK(bad.chain.readable.empty());
    CHECK_FALSE(bad.error.empty());
    auto good = q.vq.pop();
    REQUIRE(good.status == Status::Chain);
    CHECK(good.chain.head == 5);
}

TEST_CASE("a good indirect table is followed", "[virtqueue]") {
    Queue q;
    auto* table = reinterpret_cast<vring_desc*>(q.guest.host(kBuf));
    table[0] = vring_desc{kBuf + 512, 40, VRING_DESC_F_NEXT, 1};
    table[1] = vring_desc{kBuf + 1024, 100, VRING_DESC_F_WRITE, 0};
    q.guest.set_desc(3, kBuf, 32, VRING_DESC_F_INDIRECT);
    q.guest.post(3);
    auto r = q.vq.pop();
    REQUIRE(r.status == Status::Chain);
    CHECK(r.chain.head == 3);
    REQUIRE(r.chain.readable.size() == 1);
    CHECK(r.chain.readable[0].iov_len == 40);
    REQUIRE(r.chain.writable.size() == 1);
    CHECK(r.chain.writable[0].iov_base == q.guest.host(kBuf + 1024));
}

TEST_CASE("an inconsistent ring is reported broken", "[virtqueue]") {
    Queue q;
    SECTION("avail index runs more than a ring ahead") {
        q.guest.set_avail_idx(17);
    }
    SECTION("head index out of range") {
        q.guest.post(16);
    }
    CHECK(q.vq.pop().status == Status::Broken);
}

TEST_CASE("used ring and notification with event idx", "[virtqueue]") {
    Queue q;
    q.guest.set_desc(0, kBuf, 8, 0);
    q.guest.post(0);
    q.guest.post(0);
    q.guest.post(0);
    for (int i = 0; i < 3; ++i) {
        REQUIRE(q.vq.pop().status == Status::Chain);
    }
    q.guest.set_used_event(0);
    CHECK(q.vq.push_used(0, 77)); // first completion always signals
    CHECK(q.guest.used_idx() == 1);
    CHECK(q.guest.used_elem(0).id == 0);
    CHECK(q.guest.used_elem(0).len == 77);
    // The guest wants an interrupt only once used idx passes 2.
    q.guest.set_used_event(2);
    CHECK_FALSE(q.vq.push_used(0, 1));
    CHECK(q.vq.push_used(0, 1));
    CHECK(q.guest.used_idx() == 3);
}

TEST_CASE("notification without event idx honours NO_INTERRUPT", "[virtqueue]") {
    Queue q(false);
    q.guest.set_desc(0, kBuf, 8, 0);
    q.guest.post(0);
    REQUIRE(q.vq.pop().status == Status::Chain);
    auto* avail = reinterpret_cast<vring_avail*>(q.guest.host(FakeGuest::kGpaBase + 16 * 16));
    avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
    CHECK_FALSE(q.vq.push_used(0, 1));
    avail->flags = 0;
    CHECK(q.vq.push_used(0, 1));
}

TEST_CASE("ring configuration is validated", "[virtqueue]") {
    FakeGuest guest(16);
    SplitVirtqueue vq;
    CHECK_FALSE(vq.attach(guest.memory, 15, guest.addresses, true, 0).empty());
    CHECK_FALSE(vq.attach(guest.memory, 0, guest.addresses, true, 0).empty());
    auto outside = guest.addresses;
    outside.used = FakeGuest::kQvaBase + FakeGuest::kSize - 8;
    CHECK_FALSE(vq.attach(guest.memory, 16, outside, true, 0).empty());
    auto misaligned = guest.addresses;
    misaligned.desc += 2;
    CHECK_FALSE(vq.attach(guest.memory, 16, misaligned, true, 0).empty());
    CHECK_FALSE(vq.attach(nullptr, 16, guest.addresses, true, 0).empty());
    CHECK(vq.pop().status == Status::Broken);
}

TEST_CASE("a buffer across two adjacent regions is split", "[guest-memory]") {
    auto a = std::make_shared<const vfsd::Mapping>(vfsd::Mapping::anonymous(4096));
    auto b = std::make_shared<const vfsd::Mapping>(vfsd::Mapping::anonymous(4096));
    vfsd::vhost::GuestRegion ra{0x10000, 4096, 0x7000000, a, a->data()};
    vfsd::vhost::GuestRegion rb{0x11000, 4096, 0x9000000, b, b->data()};
    vfsd::vhost::GuestMemory mem({ra, rb});
    std::vector<iovec> spans;
    REQUIRE(mem.gpa_to_iovecs(0x10f00, 512, spans));
    REQUIRE(spans.size() == 2);
    CHECK(spans[0].iov_base == a->data() + 0xf00);
    CHECK(spans[0].iov_len == 256);
    CHECK(spans[1].iov_base == b->data());
    CHECK(spans[1].iov_len == 256);
    spans.clear();
    CHECK_FALSE(mem.gpa_to_iovecs(0x11f00, 512, spans)); // runs off the end
    CHECK(spans.empty());
    CHECK(mem.qva_to_host(0x7000000 + 4000, 96) == a->data() + 4000);
    CHECK(mem.qva_to_host(0x7000000 + 4000, 97) == nullptr); // crosses qva regions
    CHECK(mem.gpa_to_host(~0ull, 2) == nullptr);
}
