#pragma once

// vhost-user wire format (docs/interop/vhost-user.rst in QEMU).  The kernel's
// <linux/vhost_types.h> covers the structs shared with vhost-net; the
// vhost-user-only framing and payloads below exist in no system header.

#include <cstdint>
#include <linux/vhost_types.h>

namespace vfsd::vhost {

enum class MessageType : std::uint32_t {
    None = 0,
    GetFeatures = 1,
    SetFeatures = 2,
    SetOwner = 3,
    ResetOwner = 4,
    SetMemTable = 5,
    SetLogBase = 6,
    SetLogFd = 7,
    SetVringNum = 8,
    SetVringAddr = 9,
    SetVringBase = 10,
    GetVringBase = 11,
    SetVringKick = 12,
    SetVringCall = 13,
    SetVringErr = 14,
    GetProtocolFeatures = 15,
    SetProtocolFeatures = 16,
    GetQueueNum = 17,
    SetVringEnable = 18,
    SendRarp = 19,
    NetSetMtu = 20,
    SetSlaveReqFd = 21,
    IotlbMsg = 22,
    SetVringEndian = 23,
    GetConfig = 24,
    SetConfig = 25,
    GetInflightFd = 31,
    SetInflightFd = 32,
    GetMaxMemSlots = 36,
    AddMemReg = 37,
    RemMemReg = 38,
};

const char* request_name(MessageType request);

// Backend-to-frontend ("slave") channel requests for the DAX window, in the
// numbering being adopted upstream (the old development-tree FS_MAP 6-8 now
// collide with upstream's SHARED_OBJECT requests).
enum class BackendRequest : std::uint32_t {
    ShmemMap = 9,
    ShmemUnmap = 10,
};

// Payload of SHMEM_MAP and SHMEM_UNMAP (UNMAP ignores fd_offset and flags).
struct ShmemMapPayload {
    std::uint8_t shmid; // shared memory region: 0 is virtio-fs's cache window
    std::uint8_t padding[7];
    std::uint64_t fd_offset;
    std::uint64_t shm_offset;
    std::uint64_t len;
    std::uint64_t flags;
};
static_assert(sizeof(ShmemMapPayload) == 40);
inline constexpr std::uint64_t kShmemMapWritable = 0x1;

// Message header flags.
inline constexpr std::uint32_t kVersionMask = 0x3;
inline constexpr std::uint32_t kVersion = 0x1;
inline constexpr std::uint32_t kFlagReply = 0x4;
inline constexpr std::uint32_t kFlagNeedReply = 0x8;

// Virtio feature bits the device side of the transport understands.
inline constexpr unsigned kFeatureProtocolFeatures = 30; // VHOST_USER_F_PROTOCOL_FEATURES

// Protocol feature bits.
enum ProtocolFeature : unsigned {
    kProtocolMq = 0,
    kProtocolReplyAck = 3,
    kProtocolSlaveReq = 5,
    kProtocolConfig = 9, // never offered: QEMU 7.x's vhost-user-fs crashes on it
    kProtocolSlaveSendFd = 10,
    kProtocolInflightShmfd = 12,
    kProtocolConfigureMemSlots = 15,
};

inline constexpr std::size_t kMaxFdsPerMessage = 8;
inline constexpr std::size_t kMaxMemTableRegions = 8;
// Payloads are small; anything bigger is a protocol error, not a buffer to allocate.
inline constexpr std::size_t kMaxPayloadSize = 4096;

struct MessageHeader {
    std::uint32_t request;
    std::uint32_t flags;
    std::uint32_t size;
};
static_assert(sizeof(MessageHeader) == 12);

// One guest RAM region as QEMU describes it.
struct MemoryRegionDesc {
    std::uint64_t guest_phys_addr;
    std::uint64_t memory_size;
    std::uint64_t userspace_addr; // QEMU's virtual address: ring addresses use it
    std::uint64_t mmap_offset;    // where the region starts in the passed fd
};
static_assert(sizeof(MemoryRegionDesc) == 32);

struct MemoryTablePayload {
    std::uint32_t nregions;
    std::uint32_t padding;
    MemoryRegionDesc regions[kMaxMemTableRegions];
};

struct SingleMemoryRegionPayload {
    std::uint64_t padding;
    MemoryRegionDesc region;
};

// GET_INFLIGHT_FD (the frontend fills the queue count and size, the backend
// the size of the buffer it returns) and SET_INFLIGHT_FD (all four).
struct InflightPayload {
    std::uint64_t mmap_size;
    std::uint64_t mmap_offset;
    std::uint16_t num_queues;
    std::uint16_t queue_size;
};
static_assert(sizeof(InflightPayload) == 24);

// SET_VRING_KICK/CALL/ERR: queue index in the low byte, "no fd" flag.
inline constexpr std::uint64_t kVringIndexMask = 0xff;
inline constexpr std::uint64_t kVringNoFdFlag = 0x100;

// SET_VRING_NUM/BASE/ENABLE and GET_VRING_BASE use struct vhost_vring_state,
// SET_VRING_ADDR uses struct vhost_vring_addr (both from <linux/vhost_types.h>).
static_assert(sizeof(vhost_vring_state) == 8);
static_assert(sizeof(vhost_vring_addr) == 40);

} // namespace vfsd::vhost
