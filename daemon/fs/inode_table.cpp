#include "fs/inode_table.hpp"

namespace vfsd::fs {

InodeTable::InodeTable(UniqueFd root_fd, const struct stat& root_stat, VersionTable* versions)
    : ids_(versions) {
    root_ = std::make_shared<Inode>();
    root_->id = kRootNode;
    root_->dev = root_stat.st_dev;
    root_->ino = root_stat.st_ino;
    root_->type = root_stat.st_mode & S_IFMT;
    root_->fd = std::move(root_fd);
    root_->nlookup = 1;
    by_id_[kRootNode] = root_;
    by_file_[{root_->dev, root_->ino}] = kRootNode;
}

std::shared_ptr<Inode> InodeTable::get(NodeId id) const {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
}

std::shared_ptr<Inode> InodeTable::acquire(UniqueFd fd, const struct stat& st) {
    std::lock_guard lock(mutex_);
    if (auto it = by_file_.find({st.st_dev, st.st_ino}); it != by_file_.end()) {
        auto& inode = by_id_.at(it->second);
        ++inode->nlookup;
        return inode;
    }
    auto inode = std::make_shared<Inode>();
    const auto allocated = ids_.allocate();
    inode->id = allocated.id;
    inode->generation = allocated.generation;
    inode->dev = st.st_dev;
    inode->ino = st.st_ino;
    inode->type = st.st_mode & S_IFMT;
    inode->fd = std::move(fd);
    inode->nlookup = 1;
    by_id_[inode->id] = inode;
    by_file_[{inode->dev, inode->ino}] = inode->id;
    return inode;
}

void InodeTable::forget(NodeId id, std::uint64_t nlookup) {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return;
    }
    auto& inode = it->second;
    inode->nlookup -= std::min(nlookup, inode->nlookup);
    if (inode->nlookup == 0 && id != kRootNode) {
        by_file_.erase({inode->dev, inode->ino});
        by_id_.erase(it);
        ids_.release(id);
    }
}

std::optional<NodeId> InodeTable::find(dev_t dev, ino_t ino) const {
    std::lock_guard lock(mutex_);
    auto it = by_file_.find({dev, ino});
    if (it == by_file_.end()) {
        return std::nullopt;
    }
    return it->second;
}

void InodeTable::clear() {
    std::lock_guard lock(mutex_);
    by_id_.clear();
    by_file_.clear();
    ids_.reset();
    root_->nlookup = 1;
    by_id_[kRootNode] = root_;
    by_file_[{root_->dev, root_->ino}] = kRootNode;
}

std::vector<NodeId> InodeTable::ids() const {
    std::lock_guard lock(mutex_);
    std::vector<NodeId> out;
    out.reserve(by_id_.size());
    for (const auto& [id, inode] : by_id_) {
        out.push_back(id);
    }
    return out;
}

std::size_t InodeTable::size() const {
    std::lock_guard lock(mutex_);
    return by_id_.size();
}

std::uint64_t InodeTable::lookup_count(NodeId id) const {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? 0 : it->second->nlookup;
}

} // namespace vfsd::fs
