#include "fake_guest_memory.hpp"
#include "vhost/inflight.hpp"
#include "vhost/split_virtqueue.hpp"

#include <catch2/catch.hpp>
#include <sys/mman.h>
#include <unistd.h>

using vfsd::test::FakeGuest;
using vfsd::vhost::InflightBuffer;
using vfsd::vhost::PopResult;
using vfsd::vhost::SplitVirtqueue;
using Status = PopResult::Status;

namespace {

constexpr std::uint64_t kBuf = FakeGuest::kDataGpa;

// One guest, one inflight buffer; each "daemon" is a new SplitVirtqueue
// attached to them, as a restarted backend would be.
struct Restartable {
    FakeGuest guest{16};
    std::shared_ptr<InflightBuffer> inflight = InflightBuffer::create(2, 16);

    Restartable() {
        for (std::uint16_t i = 0; i < 16; ++i) {
            guest.set_desc(i, kBuf + i * 64, 64, 0);
        }
    }
    void attach(SplitVirtqueue& vq, std::uint16_t base) {
        REQUIRE(
            vq.attach(guest.memory, 16, guest.addresses, true, base, inflight->queue(1)).empty());
    }
};

} // namespace

TEST_CASE("a fresh inflight buffer owes nothing", "[inflight]") {
    Restartable r;
    SplitVirtqueue vq;
    r.attach(vq, 0);
    CHECK(vq.take_owed().empty());
    CHECK(r.inflight->queue(2) == nullptr);
    CHECK(r.inflight->size() == 2 * InflightBuffer::queue_region_size(16));
}

TEST_CASE("heads taken and not put come back to the next daemon, oldest first", "[inflight]") {
    Restartable r;
    {
        SplitVirtqueue first;
        r.attach(first, 0);
        for (std::uint16_t head : {5, 2, 9, 7}) {
            r.guest.post(head);
        }
        for (int i = 0; i < 4; ++i) {
            REQUIRE(first.pop().status == Status::Chain);
        }
        // Completed out of order: 9 and 5; 2 and 7 are still owed when it dies.
        first.push_used(9, 0);
        first.push_used(5, 0);
    }
    REQUIRE(r.guest.used_idx() == 2);
    // A frontend whose backend died rewinds the avail index to the used index.
    SplitVirtqueue second;
    r.attach(second, r.guest.used_idx());
    CHECK(second.take_owed() == std::vector<std::uint16_t>{2, 7});
    CHECK(second.take_owed().empty());
    // Nothing already taken is taken again; the next post is new.
    CHECK(second.pop().status == Status::Empty);
    r.guest.post(11);
    auto p = second.pop();
    REQUIRE(p.status == Status::Chain);
    CHECK(p.chain.head == 11);
    auto owed = second.pop_owed(7);
    REQUIRE(owed.status == Status::Chain);
    CHECK(owed.chain.readable[0].iov_base == r.guest.host(kBuf + 7 * 64));
}

TEST_CASE("a put cut short between the used ring and the buffer is not owed", "[inflight]") {
    Restartable r;
    {
        SplitVirtqueue first;
        r.attach(first, 0);
        r.guest.post(3);
        r.guest.post(4);
        REQUIRE(first.pop().status == Status::Chain);
        REQUIRE(first.pop().status == Status::Chain);
        first.push_used(3, 0);
    }
    // Simulate a kill right after head 4 reached the used ring, before the
    // inflight buffer recorded it: write the used element by hand and mark
    // the head as the last put being made.
    vfsd::vhost::InflightQueue* q = r.inflight->queue(1);
    q->begin_used(4);
    {
        SplitVirtqueue writer;
        // A queue without the buffer writes the used element alone.
        REQUIRE(writer.attach(r.guest.memory, 16, r.guest.addresses, true, 2).empty());
        writer.push_used(4, 0);
    }
    REQUIRE(r.guest.used_idx() == 2);
    SplitVirtqueue second;
    r.attach(second, r.guest.used_idx());
    CHECK(second.take_owed().empty());
}

TEST_CASE("the next daemon resumes the avail side after the owed heads", "[inflight]") {
    Restartable r;
    {
        SplitVirtqueue first;
        r.attach(first, 0);
        r.guest.post(1);
        r.guest.post(2);
        r.guest.post(3);
        REQUIRE(first.pop().status == Status::Chain); // 1, owed
        REQUIRE(first.pop().status == Status::Chain); // 2, done
        first.push_used(2, 0);
        // 3 is on the ring but was never taken.
    }
    SplitVirtqueue second;
    r.attach(second, r.guest.used_idx());
    CHECK(second.take_owed() == std::vector<std::uint16_t>{1});
    auto p = second.pop();
    REQUIRE(p.status == Status::Chain);
    CHECK(p.chain.head == 3);
    CHECK(second.pop().status == Status::Empty);
}

TEST_CASE("an inflight buffer handed over by fd is the same buffer", "[inflight]") {
    auto created = InflightBuffer::create(1, 8);
    created->queue(0)->take(6);
    vfsd::UniqueFd dup(::dup(created->fd()));
    auto adopted = InflightBuffer::adopt(std::move(dup), created->size(), 0, 1, 8);
    CHECK(adopted->queue(0)->initialised());
    CHECK(adopted->queue(0)->recover(0) == std::vector<std::uint16_t>{6});
    CHECK_THROWS(InflightBuffer::adopt(vfsd::UniqueFd(::dup(created->fd())), 16, 0, 1, 8));
}
