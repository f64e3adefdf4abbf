// FuseServer: which requests may block for long, so that the queue's thread
// lets another thread take over the queue before running one (vhost/vring.hpp).
// A wrong "quick" would hold up the requests behind it; a wrong "may block"
// only costs a thread hand-over, so anything not known to be quick may block.

#include "fuse/fuse_server.hpp"

namespace vfsd::fuse {

namespace {

// Answered from the daemon's own state, or malformed: never blocks.
bool answered_at_once(std::uint32_t opcode) {
    switch (opcode) {
    case FUSE_INIT:
    case FUSE_DESTROY:
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
    case FUSE_INTERRUPT:
        return true;
    default:
        return false;
    }
}

// One host system call or a few on the request's node (or the directory it
// names an entry of), which end by themselves when that node is on local
// storage.  Not here: FSYNC, FSYNCDIR and SYNCFS (a flush to the disk),
// SETLKW (a lock wait), FALLOCATE and COPY_FILE_RANGE (as long as the range).
bool quick_on_local_node(std::uint32_t opcode) {
    switch (opcode) {
    case FUSE_LOOKUP:
    case FUSE_GETATTR:
    case FUSE_SETATTR:
    case FUSE_READLINK:
    case FUSE_SYMLINK:
    case FUSE_MKNOD:
    case FUSE_MKDIR:
    case FUSE_UNLINK:
    case FUSE_RMDIR:
    case FUSE_RENAME:
    case FUSE_RENAME2:
    case FUSE_LINK:
    case FUSE_OPEN:
    case FUSE_CREATE:
    case FUSE_RELEASE:
    case FUSE_FLUSH:
    case FUSE_OPENDIR:
    case FUSE_READDIR:
    case FUSE_READDIRPLUS:
    case FUSE_RELEASEDIR:
    case FUSE_STATFS:
    case FUSE_SETXATTR:
    case FUSE_GETXATTR:
    case FUSE_LISTXATTR:
    case FUSE_REMOVEXATTR:
    case FUSE_ACCESS:
    case FUSE_GETLK:
    case FUSE_SETLK:
    case FUSE_LSEEK:
    case FUSE_SETUPMAPPING:
    case FUSE_REMOVEMAPPING:
        return true;
    default:
        return false;
    }
}

} // namespace

bool FuseServer::may_block(const vhost::Request& request) {
    SpanReader in(request.readable());
    fuse_in_header h{};
    if (!in.read(h) || answered_at_once(h.opcode)) {
        return false;
    }
    // READ and WRITE: by the open file.
    if (h.opcode == FUSE_READ) {
        fuse_read_in arg{};
        return !in.read(arg) || fs_.io_may_block(arg.fh);
    }
    if (h.opcode == FUSE_WRITE) {
        fuse_write_in arg{};
        return !in.read(arg) || fs_.io_may_block(arg.fh);
    }
    return !quick_on_local_node(h.opcode) || fs_.node_may_block(h.nodeid);
}

} // namespace vfsd::fuse
