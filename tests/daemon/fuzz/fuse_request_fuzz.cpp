// libFuzzer target: arbitrary FUSE requests, split over arbitrary spans, go
// through the real FuseServer and PassthroughFs on a scratch directory, with
// the real host system calls under vfsd's sandbox and seccomp filter
// (fuzz_sandbox.hpp).  ASan catches any access outside the request's buffers;
// the guard bytes after the writable buffer must stay intact; nothing
// outside the scratch tree changes.
#include "fs/passthrough_fs.hpp"
#include "fuse/fuse_server.hpp"
#include "fuzz_sandbox.hpp"

#include <cstdint>
#include <cstring>
#include <linux/fuse.h>
#include <memory>
#include <stdlib.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace vfsd;

namespace {

struct Completion final : vhost::RequestCompletion {
    void complete_request(std::uint16_t, std::uint32_t) override {}
};

struct World {
    std::unique_ptr<fs::PassthroughFs> fs;
    std::unique_ptr<fuse::FuseServer> server;
    explicit World(fuzz::FuzzRoot root) {
        fs = std::make_unique<fs::PassthroughFs>(root.share, std::move(root.proc_self_fd),
                                                 fs::PassthroughOptions{});
        fuse::FuseServerOptions o;
        o.cache = fuse::CachePolicy::for_mode(fuse::CacheMode::Auto, false);
        // Through the id translation: fuzzed callers beyond 65535 get EPERM,
        // owners come back translated (root stays root: creation still works).
        o.ids.uids.add("map:0:0:65536");
        o.ids.gids.add("map:0:0:65536");
        server = std::make_unique<fuse::FuseServer>(*fs, o);
    }
};

std::unique_ptr<World> world;

void init(World& w) {
    std::vector<std::uint8_t> in(sizeof(fuse_in_header) + sizeof(fuse_init_in));
    auto* h = reinterpret_cast<fuse_in_header*>(in.data());
    h->len = static_cast<std::uint32_t>(in.size());
    h->opcode = FUSE_INIT;
    auto* i = reinterpret_cast<fuse_init_in*>(in.data() + sizeof(fuse_in_header));
    i->major = 7;
    i->minor = 38;
    std::vector<std::uint8_t> out(4096);
    Completion c;
    w.server->handle(
        vhost::Request({{in.data(), in.size()}}, {{out.data(), out.size()}}, &c, 0, nullptr));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    world = std::make_unique<World>(fuzz::enter_fuzz_sandbox(argc, argv));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!world->server->initialized()) {
        init(*world);
    }
    if (size < 4) {
        return 0;
    }
    // Control bytes: where to split the readable bytes, how big the reply buffer is.
    const std::size_t split = data[0];
    const std::size_t out_size = static_cast<std::size_t>(data[1]) << data[2] % 12;
    data += 4;
    size -= 4;
    std::vector<std::uint8_t> in(data, data + size);
    if (in.size() >= sizeof(fuse_in_header) && (data[-1] & 1)) {
        // Usually make the length field right so decoding gets past it.
        reinterpret_cast<fuse_in_header*>(in.data())->len = static_cast<std::uint32_t>(in.size());
    }
    std::vector<iovec> readable;
    const std::size_t first = std::min(split, in.size());
    readable.push_back({in.data(), first});
    readable.push_back({in.data() + first, in.size() - first});
    constexpr std::size_t kGuard = 64;
    std::vector<std::uint8_t> out(out_size + kGuard, 0x5a);
    std::vector<iovec> writable;
    if (out_size > 0) {
        writable.push_back({out.data(), out_size});
    }
    Completion c;
    vhost::Request request(readable, writable, &c, 0, nullptr);
    // The queue asks this of every request before it runs it.
    [[maybe_unused]] const bool may_block = world->server->may_block(request);
    world->server->handle(std::move(request));
    // A SETLKW that has to wait keeps its request (and these buffers) past
    // handle(); end it as a stopping queue would, before they go.
    world->server->release_held_requests();
    for (std::size_t i = out_size; i < out.size(); ++i) {
        if (out[i] != 0x5a) {
            __builtin_trap();
        }
    }
    return 0;
}
