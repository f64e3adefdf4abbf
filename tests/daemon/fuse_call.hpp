#pragma once
// One FUSE request for a FuseServer under test, with its reply buffer; the
// request may be answered later, on another thread (a SETLKW wait, a READ
// blocked on a slow file).

#include "vhost/request.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <linux/fuse.h>
#include <sys/uio.h>
#include <thread>
#include <vector>

namespace vfsd::test {

struct Completion final : vhost::RequestCompletion {
    std::atomic<int> calls{0};
    void complete_request(std::uint16_t, std::uint32_t) override { ++calls; }
};

struct Call {
    std::vector<std::uint8_t> in;
    std::vector<std::uint8_t> out = std::vector<std::uint8_t>(8192);
    Completion completion;
    std::uint64_t unique;

    Call(std::uint32_t opcode, std::uint64_t unique_, std::uint64_t nodeid = 0) : unique(unique_) {
        fuse_in_header h{};
        h.opcode = opcode;
        h.unique = unique;
        h.nodeid = nodeid;
        add(h);
    }
    template <typename T> Call& add(const T& t) {
        const auto* b = reinterpret_cast<const std::uint8_t*>(&t);
        in.insert(in.end(), b, b + sizeof(t));
        reinterpret_cast<fuse_in_header*>(in.data())->len = static_cast<std::uint32_t>(in.size());
        return *this;
    }
    void send(vhost::RequestHandler& server, bool with_reply = true) {
        std::vector<iovec> r{{in.data(), in.size()}};
        std::vector<iovec> w;
        if (with_reply) {
            w.push_back({out.data(), out.size()});
        }
        server.handle(vhost::Request(r, w, &completion, 0, nullptr));
    }
    bool answered() const { return completion.calls.load() > 0; }
    // Waits up to 5 s for the answer.
    bool wait() const {
        for (int i = 0; i < 500 && !answered(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return answered();
    }
    int error() const {
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

} // namespace vfsd::test
