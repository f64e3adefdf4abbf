// libFuzzer target: arbitrary ring contents must never make the virtqueue
// reader touch memory outside the fake guest RAM (ASan checks every span).
// It runs under vfsd's sandbox and seccomp filter (fuzz_sandbox.hpp).
#include "../fake_guest_memory.hpp"
#include "fuzz_sandbox.hpp"
#include "vhost/split_virtqueue.hpp"

#include <cstdint>
#include <cstring>

using vfsd::test::FakeGuest;

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    vfsd::fuzz::enter_fuzz_sandbox(argc, argv); // nothing to serve
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static FakeGuest guest(16);
    // Layout of the input: descriptor table, avail ring, then an area the
    // descriptors may point to (indirect tables, buffers).
    std::uint8_t* ram = guest.host(FakeGuest::kGpaBase);
    const std::size_t ring_bytes = 16 * 16 + 6 + 2 * 16;
    std::memset(ram, 0, ring_bytes);
    std::memcpy(ram, data, std::min(size, ring_bytes));
    std::uint8_t* scratch = guest.host(FakeGuest::kDataGpa);
    std::memset(scratch, 0, 4096);
    if (size > ring_bytes) {
        std::memcpy(scratch, data + ring_bytes, std::min<std::size_t>(size - ring_bytes, 4096));
    }
    vfsd::vhost::SplitVirtqueue vq;
    if (!vq.attach(guest.memory, 16, guest.addresses, (size & 1) != 0, 0).empty()) {
        __builtin_trap();
    }
    for (int i = 0; i < 40; ++i) {
        auto r = vq.pop();
        if (r.status == vfsd::vhost::PopResult::Status::Empty ||
            r.status == vfsd::vhost::PopResult::Status::Broken) {
            break;
        }
        std::uint8_t sink = 0;
        for (const auto& s : r.chain.readable) {
            for (std::size_t j = 0; j < s.iov_len; j += 512) {
                sink ^= static_cast<const std::uint8_t*>(s.iov_base)[j];
            }
            sink ^= static_cast<const std::uint8_t*>(s.iov_base)[s.iov_len - 1];
        }
        for (const auto& s : r.chain.writable) {
            std::memset(s.iov_base, 0xab, 1);
            static_cast<std::uint8_t*>(s.iov_base)[s.iov_len - 1] = 0xcd;
        }
        asm volatile("" : : "r"(sink)); // keep the reads
        vq.push_used(r.chain.head, 0);
    }
    return 0;
}
