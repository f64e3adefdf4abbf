#pragma once

namespace vfsd::fs {

// Whether a read or write on the open file fd can block for as long as
// something outside the host's own storage pleases: a FIFO, a socket or a
// device, or a file on a network or FUSE mount.  Such I/O must stay
// cancellable by FUSE_INTERRUPT; I/O on a regular file of a local file
// system ends by itself, so it can skip the interrupt registry's cost.
// When in doubt (an unknown file system, fstat failing), true.
bool io_may_block(int fd);

} // namespace vfsd::fs
