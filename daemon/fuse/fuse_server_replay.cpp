// FuseServer: requests run again after a restart, and the stored session.
//
// A request a killed vfsd had taken but not answered comes back from the
// inflight buffer (vhost::Request::replayed()).  The first run may or may
// not have reached the host.  Reads, writes at an offset, getattr, setattr
// and the like give the same answer twice.  The rest are made to:
//
//   FORGET, BATCH_FORGET  not run again: a second run could drop a
//                         reference the guest still holds; keeping one
//                         only leaks a node until the session ends.
//   MKDIR, MKNOD, SYMLINK, LINK
//                         if the name exists, answered with its entry:
//                         the guest sent the request because it found
//                         the name missing, so the first run made it.
//   CREATE                run without O_EXCL, for the same reason.
//   UNLINK, RMDIR         a missing name is success.
//   RENAME, RENAME2       a missing source with an existing target is
//                         success.
//
// Documentation/vfsd.md ("Restart") lists what this cannot cover.

#include "fuse/fuse_server.hpp"

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>

namespace vfsd::fuse {

namespace {

// Names are decoded from a copy of the reader: the request is then
// dispatched as usual, from its start.
std::optional<std::string> name_after(SpanReader in, std::size_t skip) {
    std::vector<std::uint8_t> fixed(skip);
    if (skip != 0 && !in.read(fixed.data(), skip)) {
        return std::nullopt;
    }
    return in.read_string(PATH_MAX);
}

std::size_t fixed_part(std::uint32_t opcode) {
    switch (opcode) {
    case FUSE_MKDIR:
        return sizeof(fuse_mkdir_in);
    case FUSE_MKNOD:
        return sizeof(fuse_mknod_in);
    case FUSE_LINK:
        return sizeof(fuse_link_in);
    case FUSE_RENAME:
        return sizeof(fuse_rename_in);
    case FUSE_RENAME2:
        return sizeof(fuse_rename2_in);
    default:
        return 0; // SYMLINK, UNLINK, RMDIR: the name comes first
    }
}

} // namespace

bool FuseServer::name_exists(fs::NodeId parent, const std::string& name) {
    auto entry = fs_.lookup(parent, name);
    if (!entry.ok()) {
        return false;
    }
    fs_.forget(entry->node, 1);
    return true;
}

bool FuseServer::name_missing(fs::NodeId parent, const std::string& name) {
    auto entry = fs_.lookup(parent, name);
    if (entry.ok()) {
        fs_.forget(entry->node, 1);
        return false;
    }
    return entry.error() == ENOENT;
}

void FuseServer::dispatch_replayed(const fuse_in_header& h, In& in, Reply& reply,
                                   vhost::Request& request) {
    spdlog::info("fuse: {} unique {} node {} run again after a restart", opcode_name(h.opcode),
                 h.unique, h.nodeid);
    if (!initialized_) {
        return dispatch(h, in, reply, request);
    }
    switch (h.opcode) {
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
        return reply.none();
    case FUSE_CREATE:
        return op_create(h, in, reply, O_EXCL);
    case FUSE_MKDIR:
    case FUSE_MKNOD:
    case FUSE_SYMLINK:
    case FUSE_LINK:
        if (auto name = name_after(in, fixed_part(h.opcode))) {
            if (auto existing = fs_.lookup(h.nodeid, *name); existing.ok()) {
                return reply_entry(reply, existing);
            }
        }
        break;
    case FUSE_UNLINK:
    case FUSE_RMDIR:
        if (auto name = name_after(in, 0); name && name_missing(h.nodeid, *name)) {
            reply.ok();
            return;
        }
        break;
    case FUSE_RENAME:
    case FUSE_RENAME2: {
        SpanReader names = in;
        std::vector<std::uint8_t> fixed(fixed_part(h.opcode));
        std::uint64_t new_dir = 0;
        if (!names.read(fixed.data(), fixed.size())) {
            break;
        }
        // newdir is the first field of both versions.
        std::memcpy(&new_dir, fixed.data(), sizeof(new_dir));
        auto old_name = names.read_string(PATH_MAX);
        auto new_name = old_name ? names.read_string(PATH_MAX) : std::nullopt;
        if (new_name && name_missing(h.nodeid, *old_name) && name_exists(new_dir, *new_name)) {
            reply.ok();
            return;
        }
        break;
    }
    default:
        break;
    }
    dispatch(h, in, reply, request);
}

bool FuseServer::resume_session() {
    if (options_.state == nullptr || !options_.state->session_active()) {
        return false;
    }
    initialized_ = true;
    return true;
}

void FuseServer::record_session(bool active) {
    if (options_.state == nullptr) {
        return;
    }
    if (active) {
        options_.state->begin_session();
    } else {
        options_.state->end_session();
    }
}

} // namespace vfsd::fuse
