#pragma once

// Where the backend tests put one request queue in their fake guest RAM (a
// 1 MiB memfd): guest-physical and frontend-virtual bases, and the offsets
// of the descriptor table, the rings and the request data.
#include <cstdint>

namespace vfsd::test::ring {

constexpr std::uint64_t kGpa = 0x100000;
constexpr std::uint64_t kQva = 0x7f0000000000;
constexpr std::uint64_t kSize = 1 << 20;
constexpr std::uint32_t kQueueSize = 16;
constexpr std::uint64_t kDesc = 0, kAvail = 16 * kQueueSize, kUsed = 0x1000, kData = 0x8000;

} // namespace vfsd::test::ring
