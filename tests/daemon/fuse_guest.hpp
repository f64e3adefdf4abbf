#pragma once

// A guest for tests against the real vfsd: a vhost-user frontend with one
// request queue in a memfd "guest RAM", one FUSE request in flight at a time
// (and one more, started and finished apart, for a request that waits).
#include "common/mapping.hpp"
#include "vhost_frontend.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <linux/fuse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <unistd.h>

namespace vfsd::test {

namespace fuse_guest_detail {

constexpr std::uint64_t kGpa = 0x100000;
constexpr std::uint64_t kQva = 0x7f0000000000;
constexpr std::uint64_t kSize = 1 << 20;
constexpr std::uint32_t kQueueSize = 16;
constexpr std::uint64_t kDesc = 0, kAvail = 16 * kQueueSize, kUsed = 0x1000;
constexpr std::uint64_t kIn = 0x8000, kOut = 0x40000, kOutSize = 0x10000;
// The waiting request's slot: descriptors 2-3 and these buffers.
constexpr std::uint64_t kWaitIn = 0x20000, kWaitOut = 0x60000, kWaitOutSize = 0x1000;

inline UniqueFd connect_to(const std::filesystem::path& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    return fd;
}

} // namespace fuse_guest_detail

using namespace fuse_guest_detail;

class FuseGuest {
public:
    explicit FuseGuest(const std::filesystem::path& socket)
        : fe_(fuse_guest_detail::connect_to(socket)), memfd_(::memfd_create("guest", MFD_CLOEXEC)) {
        REQUIRE(::ftruncate(memfd_.get(), kSize) == 0);
        ram_ = Mapping::map_shared(memfd_.get(), kSize);
        fe_.send(MessageType::GetFeatures, nullptr, 0);
        fe_.reply_u64(MessageType::GetFeatures);
        fe_.send(MessageType::GetProtocolFeatures, nullptr, 0);
        fe_.reply_u64(MessageType::GetProtocolFeatures);
        fe_.send(MessageType::SetProtocolFeatures, std::uint64_t{1ull << vhost::kProtocolReplyAck});
        fe_.send(MessageType::SetOwner, nullptr, 0);
        fe_.send(MessageType::SetFeatures,
                 std::uint64_t{(1ull << VIRTIO_F_VERSION_1) |
                               (1ull << vhost::kFeatureProtocolFeatures)});
        vhost::SingleMemoryRegionPayload region{0, {kGpa, kSize, kQva, 0}};
        fe_.send(MessageType::AddMemReg, region, {memfd_.get()}, true);
        REQUIRE(fe_.reply_u64(MessageType::AddMemReg) == 0);
        REQUIRE(fe_.start_request_queue(kQueueSize, kQva, kDesc, kAvail, kUsed, call_.get(),
                                        kick_.get()) == 0);
    }

    // Sends opcode on nodeid with @args; the reply header's error and the
    // reply body.
    std::pair<int, std::vector<char>> call(std::uint32_t opcode, std::uint64_t nodeid,
                                           const std::vector<char>& args) {
        const std::uint64_t unique = post(0, kIn, kOut, kOutSize, opcode, nodeid, args);
        wait_all();
        return reply(kOut, unique);
    }

    // Starts a request that may wait (a SETLKW) in the second slot; its unique.
    // Until finish(), only interrupt() may be called.
    std::uint64_t start(std::uint32_t opcode, std::uint64_t nodeid, const std::vector<char>& args) {
        waiting_ = post(2, kWaitIn, kWaitOut, kWaitOutSize, opcode, nodeid, args);
        return waiting_;
    }
    // FUSE_INTERRUPT for the started request (no reply); returns once both
    // buffers are back.
    void interrupt() {
        fuse_interrupt_in in{};
        in.unique = waiting_;
        post(0, kIn, 0, 0, FUSE_INTERRUPT, 0, bytes(in));
        wait_all();
    }
    // The started request's reply.
    std::pair<int, std::vector<char>> finish() { return reply(kWaitOut, waiting_); }

    int init() {
        fuse_init_in in{};
        in.major = FUSE_KERNEL_VERSION;
        in.minor = FUSE_KERNEL_MINOR_VERSION;
        in.max_readahead = 65536;
        return call(FUSE_INIT, 0, bytes(in)).first;
    }

    // LOOKUP: the node, or -errno.
    std::int64_t lookup(std::uint64_t parent, const std::string& name) {
        auto [err, body] = call(FUSE_LOOKUP, parent, name_arg(name));
        if (err != 0) {
            return err;
        }
        fuse_entry_out e;
        std::memcpy(&e, body.data(), sizeof(e));
        return static_cast<std::int64_t>(e.nodeid);
    }

    // OPEN: the handle, or -errno.
    std::int64_t open(std::uint64_t node, int flags) {
        fuse_open_in in{};
        in.flags = static_cast<std::uint32_t>(flags);
        auto [err, body] = call(FUSE_OPEN, node, bytes(in));
        if (err != 0) {
            return err;
        }
        fuse_open_out o;
        std::memcpy(&o, body.data(), sizeof(o));
        return static_cast<std::int64_t>(o.fh);
    }

    std::pair<int, std::string> read(std::uint64_t node, std::uint64_t fh) {
        fuse_read_in in{};
        in.fh = fh;
        in.size = 4096;
        auto [err, body] = call(FUSE_READ, node, bytes(in));
        return {err, std::string(body.begin(), body.end())};
    }

    template <typename T> static std::vector<char> bytes(const T& v) {
        const char* p = reinterpret_cast<const char*>(&v);
        return std::vector<char>(p, p + sizeof(v));
    }
    static std::vector<char> name_arg(const std::string& name) {
        std::vector<char> v(name.begin(), name.end());
        v.push_back('\0');
        return v;
    }
    template <typename T> static std::vector<char> with_name(const T& v, const std::string& name) {
        auto out = bytes(v);
        auto n = name_arg(name);
        out.insert(out.end(), n.begin(), n.end());
        return out;
    }

private:
    // Puts a request in the descriptors from @head: header and args at @in,
    // a reply buffer at @out (none if @out_size is 0).  Returns its unique.
    std::uint64_t post(std::uint16_t head, std::uint64_t in, std::uint64_t out,
                       std::uint64_t out_size, std::uint32_t opcode, std::uint64_t nodeid,
                       const std::vector<char>& args) {
        fuse_in_header h{};
        h.len = static_cast<std::uint32_t>(sizeof(h) + args.size());
        h.opcode = opcode;
        h.unique = ++unique_;
        h.nodeid = nodeid;
        REQUIRE(h.len <= kWaitIn - kIn);
        std::memcpy(ram_.data() + in, &h, sizeof(h));
        std::memcpy(ram_.data() + in + sizeof(h), args.data(), args.size());
        auto* desc = reinterpret_cast<vring_desc*>(ram_.data() + kDesc);
        if (out_size > 0) {
            std::memset(ram_.data() + out, 0, sizeof(fuse_out_header));
            desc[head] = {kGpa + in, h.len, VRING_DESC_F_NEXT,
                          static_cast<std::uint16_t>(head + 1)};
            desc[head + 1] = {kGpa + out, static_cast<std::uint32_t>(out_size), VRING_DESC_F_WRITE,
                              0};
        } else {
            desc[head] = {kGpa + in, h.len, 0, 0};
        }
        auto* avail = reinterpret_cast<vring_avail*>(ram_.data() + kAvail);
        avail->ring[next_ % kQueueSize] = head;
        __atomic_store_n(&avail->idx, static_cast<std::uint16_t>(++next_), __ATOMIC_RELEASE);
        REQUIRE(::eventfd_write(kick_.get(), 1) == 0);
        return h.unique;
    }
    // Waits until the daemon has returned every buffer posted.
    void wait_all() {
        auto* used = reinterpret_cast<vring_used*>(ram_.data() + kUsed);
        pollfd p{call_.get(), POLLIN, 0};
        while (__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) != next_) {
            REQUIRE(::poll(&p, 1, 10000) == 1);
            eventfd_t ignored;
            ::eventfd_read(call_.get(), &ignored);
        }
    }
    std::pair<int, std::vector<char>> reply(std::uint64_t at, std::uint64_t unique) const {
        fuse_out_header out;
        std::memcpy(&out, ram_.data() + at, sizeof(out));
        REQUIRE(out.unique == unique);
        REQUIRE(out.len >= sizeof(out));
        const char* body = reinterpret_cast<const char*>(ram_.data() + at + sizeof(out));
        return {out.error, std::vector<char>(body, body + (out.len - sizeof(out)))};
    }

    Frontend fe_;
    UniqueFd memfd_;
    Mapping ram_;
    UniqueFd kick_{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    UniqueFd call_{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    std::uint64_t unique_ = 0;
    std::uint64_t waiting_ = 0; // the started request
    std::uint16_t next_ = 0;
};

} // namespace vfsd::test
