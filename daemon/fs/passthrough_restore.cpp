// PassthroughFs and the state store: recording open handles, and taking
// back what a killed predecessor recorded (Documentation/vfsd.md, "Restart").

#include "fs/passthrough_fs.hpp"
#include "fs/restore_containment.hpp"

#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <string>
#include <sys/stat.h>
#include <vector>

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
    // Only flags a reopen may carry: a state file is data, and a crafted
    // O_TRUNC or O_CREAT must not change a file.
    constexpr int kFileFlags = O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_NOATIME;
    const int flags = stored.kind == NodeStateStore::HandleKind::File ? (stored.flags & kFileFlags)
                                                                      : (O_RDONLY | O_DIRECTORY);
    auto fd = reopen(*inode, flags);
    if (!fd.ok()) {
        return false;
    }
    if (stored.kind == NodeStateStore::HandleKind::File) {
        return files_.insert_at(stored.id, open_file(std::move(*fd), stored.node, *inode));
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
    struct stat root_st;
    if (!mount_fd.ok() || ::fstat(mount_fd->get(), &root_st) != 0) {
        spdlog::error("restore: cannot open the shared directory: {}", std::strerror(errno));
        return report;
    }
    RestoreContainment containment(root_st);
    containment.add_entries(mount_fd->get(), root_st.st_dev);
    const auto lost = [&](NodeId id, const char* why) {
        // Deleted on the host (or by the guest while its last opener was the
        // dead daemon), or not in the share at all: the guest gets ESTALE.
        spdlog::debug("restore: node {} lost: {}", id, why);
        state->erase_node(id);
        ++report.nodes_lost;
    };
    const auto take = [&](const NodeStateStore::StoredNode& node, UniqueFd fd,
                          const struct stat& st) {
        if (!inodes_.restore(node.id, node.generation, node.nlookup, std::move(fd), st)) {
            lost(node.id, "already known");
            return false;
        }
        ++report.nodes;
        return true;
    };
    // Directories first: other files are inside when a directory inside
    // names them.
    struct Pending {
        NodeStateStore::StoredNode node;
        UniqueFd fd;
        struct stat st;
    };
    std::vector<Pending> others;
    for (const auto& node : state->nodes()) {
        UniqueFd fd = NodeStateStore::open_handle(mount_fd->get(), node.handle, O_PATH);
        struct stat st;
        if (!fd || ::fstat(fd.get(), &st) != 0) {
            lost(node.id, std::strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            others.push_back({node, std::move(fd), st});
        } else if (!containment.directory_inside(fd.get(), st)) {
            spdlog::warn("restore: node {} is a directory outside the share", node.id);
            lost(node.id, "outside the share");
        } else {
            // Readable for its entries; O_PATH fds only reopen via /proc.
            const UniqueFd dir(::openat(proc_self_fd_.get(), std::to_string(fd.get()).c_str(),
                                        O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (dir) {
                containment.add_entries(dir.get(), st.st_dev);
            }
            take(node, std::move(fd), st);
        }
    }
    for (auto& other : others) {
        if (!containment.entry_inside(other.st)) {
            spdlog::warn("restore: node {} is a file outside the share", other.node.id);
            lost(other.node.id, "outside the share");
        } else {
            take(other.node, std::move(other.fd), other.st);
        }
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
