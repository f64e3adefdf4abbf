// PassthroughFs and the state store: recording open handles, and taking
// back what a killed predecessor recorded (Documentation/vfsd.md, "Restart").

#include "fs/passthrough_fs.hpp"

#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

namespace vfsd::fs {

void PassthroughFs::record_handle(NodeStateStore::HandleKind kind, HandleId id, NodeId node,
                                  int flags) {
    if (options_.state != nullptr) {
        // Reopening must not truncate again.
        options_.state->put_handle(kind, id, node, flags & ~(O_CREAT | O_EXCL | O_TRUNC));
    }
}

void PassthroughFs::forget_handle(NodeStateStore::HandleKind kind, HandleId id) {
    if (options_.state != nullptr) {
        options_.state->erase_handle(kind, id);
    }
}

bool PassthroughFs::restore_handle(const NodeStateStore::StoredHandle& stored) {
    auto inode = inodes_.get(stored.node);
    if (!inode) {
        return false;
    }
    auto fd = reopen(*inode, stored.flags);
    if (!fd.ok()) {
        return false;
    }
    if (stored.kind == NodeStateStore::HandleKind::File) {
        return files_.insert_at(stored.id,
                                std::make_shared<OpenFile>(OpenFile{std::move(*fd), stored.node}));
    }
    auto dir = std::make_shared<OpenDir>();
    dir->dir.reset(::fdopendir(fd->get()));
    if (!dir->dir) {
        return false;
    }
    fd->release(); // now owned by the DIR stream
    dir->inode = std::move(inode);
    return dirs_.insert_at(stored.id, std::move(dir));
}

RestoreReport PassthroughFs::restore_state() {
    RestoreReport report;
    NodeStateStore* state = options_.state;
    if (state == nullptr) {
        return report;
    }
    // open_by_handle_at needs an fd it can resolve a mount from: not O_PATH.
    auto mount_fd = reopen(*inodes_.root(), O_RDONLY | O_DIRECTORY);
    if (!mount_fd.ok()) {
        spdlog::error("restore: cannot open the shared directory: {}",
                      std::strerror(mount_fd.error()));
        return report;
    }
    for (const auto& node : state->nodes()) {
        UniqueFd fd = NodeStateStore::open_handle(mount_fd->get(), node.handle, O_PATH);
        struct stat st;
        if (!fd || ::fstat(fd.get(), &st) != 0 ||
            !inodes_.restore(node.id, node.generation, node.nlookup, std::move(fd), st)) {
            // Deleted on the host (or by the guest while its last opener
            // was the dead daemon): the guest gets ESTALE for it.
            spdlog::debug("restore: node {} lost: {}", node.id, std::strerror(errno));
            state->erase_node(node.id);
            ++report.nodes_lost;
            continue;
        }
        ++report.nodes;
    }
    inodes_.resume_ids(state->next_node_id());
    for (const auto& handle : state->handles()) {
        if (restore_handle(handle)) {
            ++report.handles;
        } else {
            spdlog::debug("restore: handle {} of node {} lost", handle.id, handle.node);
            state->erase_handle(handle.kind, handle.id);
            ++report.handles_lost;
        }
    }
    return report;
}

} // namespace vfsd::fs
