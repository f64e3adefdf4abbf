#pragma once

#include <cstdint>

namespace vfsd {

// Maps file ranges into the device's DAX window (the virtio-fs cache shared
// memory region).  The FUSE layer calls it for FUSE_SETUPMAPPING and
// FUSE_REMOVEMAPPING; the transport implements it (vhost-user: requests on the
// backend-to-frontend channel).  Offsets are window offsets in bytes; the
// caller has checked alignment and overflow, the frontend checks the window
// bounds.  Results are 0 or a positive errno.
class DaxMapper {
public:
    virtual ~DaxMapper() = default;

    // Whether the frontend can map at all (else DAX is not offered to the guest).
    virtual bool available() const = 0;
    // Maps [file_offset, file_offset+length) of fd at window_offset, read-only
    // or read-write.  The fd is only borrowed for the call.
    virtual int map(int fd, std::uint64_t file_offset, std::uint64_t window_offset,
                    std::uint64_t length, bool writable) = 0;
    // Makes [window_offset, window_offset+length) of the window unmapped again.
    virtual int unmap(std::uint64_t window_offset, std::uint64_t length) = 0;
};

} // namespace vfsd
