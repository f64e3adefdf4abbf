// The vhost-user backend driven by a fake frontend over a socketpair, with a
// memfd as guest RAM: the protocol layer end to end without QEMU.
#include "common/mapping.hpp"
#include "common/unique_fd.hpp"
#include "ring_layout.hpp"
#include "vhost/backend.hpp"
#include "vhost/message_channel.hpp"
#include "vhost_frontend.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace vfsd;
using namespace vfsd::vhost;
using vfsd::test::Frontend;

using namespace vfsd::test::ring;

namespace {

// Copies the request bytes to the reply buffer, reversed.
struct ReverseHandler final : RequestHandler {
    void handle(Request request) override {
        std::vector<std::uint8_t> in(request.readable_size());
        std::size_t at = 0;
        for (const auto& s : request.readable()) {
            std::memcpy(in.data() + at, s.iov_base, s.iov_len);
            at += s.iov_len;
        }
        auto& out = request.writable()[0];
        const std::size_t n = std::min(in.size(), out.iov_len);
        for (std::size_t i = 0; i < n; ++i) {
            static_cast<std::uint8_t*>(out.iov_base)[i] = in[in.size() - 1 - i];
        }
        request.complete(static_cast<std::uint32_t>(n));
    }
};

bool wait_readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
}

} // namespace

TEST_CASE("backend serves a ring set up over vhost-user", "[backend]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    Frontend fe{UniqueFd(sv[0])};
    ReverseHandler handler;
    Backend backend(handler, {3, true});
    MessageChannel channel{UniqueFd(sv[1])};
    std::thread server([&] { backend.serve(channel); });

    fe.send(MessageType::GetFeatures, nullptr, 0);
    const auto features = fe.reply_u64(MessageType::GetFeatures);
    CHECK(features & (1ull << VIRTIO_F_VERSION_1));
    CHECK(features & (1ull << VIRTIO_RING_F_EVENT_IDX));
    CHECK(features & (1ull << VIRTIO_RING_F_INDIRECT_DESC));
    fe.send(MessageType::GetProtocolFeatures, nullptr, 0);
    const auto protocol = fe.reply_u64(MessageType::GetProtocolFeatures);
    CHECK_FALSE(protocol & (1ull << kProtocolConfig)); // crashes QEMU 7.x
    CHECK(protocol & (1ull << kProtocolReplyAck));
    fe.send(MessageType::SetProtocolFeatures, std::uint64_t{1ull << kProtocolReplyAck});
    fe.send(MessageType::GetQueueNum, nullptr, 0);
    CHECK(fe.reply_u64(MessageType::GetQueueNum) == 3);
    fe.send(MessageType::SetFeatures,
            std::uint64_t{(1ull << VIRTIO_F_VERSION_1) | (1ull << kFeatureProtocolFeatures) |
                          (1ull << VIRTIO_RING_F_EVENT_IDX)});

    UniqueFd memfd(::memfd_create("guest", MFD_CLOEXEC));
    REQUIRE(::ftruncate(memfd.get(), kSize) == 0);
    auto ram = Mapping::map_shared(memfd.get(), kSize);
    SingleMemoryRegionPayload region{0, {kGpa, kSize, kQva, 0}};
    fe.send(MessageType::AddMemReg, region, {memfd.get()}, true);
    CHECK(fe.reply_u64(MessageType::AddMemReg) == 0);

    // A bad queue index is refused with a failed ack, not a crash.
    fe.send(MessageType::SetVringNum, vhost_vring_state{200, 16}, {}, true);
    CHECK(fe.reply_u64(MessageType::SetVringNum) != 0);
    fe.send(MessageType::SetVringNum, vhost_vring_state{1, 15}, {}, true);
    CHECK(fe.reply_u64(MessageType::SetVringNum) != 0);

    UniqueFd kick(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    UniqueFd call(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    CHECK(fe.start_request_queue(kQueueSize, kQva, kDesc, kAvail, kUsed, call.get(), kick.get()) ==
          0);

    // Driver side: one request "abcdef" with a 16-byte reply buffer.
    std::memcpy(ram.data() + kData, "abcdef", 6);
    auto* desc = reinterpret_cast<vring_desc*>(ram.data() + kDesc);
    desc[0] = {kGpa + kData, 6, VRING_DESC_F_NEXT, 1};
    desc[1] = {kGpa + kData + 64, 16, VRING_DESC_F_WRITE, 0};
    auto* avail = reinterpret_cast<vring_avail*>(ram.data() + kAvail);
    avail->ring[0] = 0;
    __atomic_store_n(&avail->idx, 1, __ATOMIC_RELEASE);
    REQUIRE(::eventfd_write(kick.get(), 1) == 0);

    REQUIRE(wait_readable(call.get(), 5000));
    auto* used = reinterpret_cast<vring_used*>(ram.data() + kUsed);
    CHECK(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) == 1);
    CHECK(used->ring[0].id == 0);
    CHECK(used->ring[0].len == 6);
    CHECK(std::memcmp(ram.data() + kData + 64, "fedcba", 6) == 0);

    fe.send(MessageType::GetVringBase, vhost_vring_state{1, 0});
    auto base = fe.reply(MessageType::GetVringBase);
    REQUIRE(base.size() == sizeof(vhost_vring_state));
    vhost_vring_state state;
    std::memcpy(&state, base.data(), sizeof(state));
    CHECK(state.index == 1);
    CHECK(state.num == 1);

    fe.close(); // QEMU exits: serve() returns normally
    server.join();
}

TEST_CASE("backend rejects a bad memory table without crashing", "[backend]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    Frontend fe{UniqueFd(sv[0])};
    ReverseHandler handler;
    Backend backend(handler, {2, true});
    MessageChannel channel{UniqueFd(sv[1])};
    std::thread server([&] { backend.serve(channel); });
    MemoryTablePayload table{};
    table.nregions = 2; // but no fds
    fe.send(MessageType::SetMemTable, table, {}, true);
    CHECK(fe.reply_u64(MessageType::SetMemTable) != 0);
    table.nregions = 99;
    fe.send(MessageType::SetMemTable, table, {}, true);
    CHECK(fe.reply_u64(MessageType::SetMemTable) != 0);
    // A kick before any memory table cannot start the ring.
    UniqueFd kick(::eventfd(0, EFD_CLOEXEC));
    fe.send(MessageType::SetVringNum, vhost_vring_state{0, 16});
    fe.send(MessageType::SetVringAddr, vhost_vring_addr{});
    fe.send(MessageType::SetVringKick, std::uint64_t{0}, {kick.get()}, true);
    CHECK(fe.reply_u64(MessageType::SetVringKick) == 0);
    fe.close();
    server.join();
}
