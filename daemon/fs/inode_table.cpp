#include "fs/inode_table.hpp"

namespace vfsd::fs {

InodeTable::InodeTable(UniqueFd root_fd, const struct stat& root_stat, VersionTable* versions,
                       NodeStateStore* store)
    : ids_(versions), store_(store) {
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
        if (store_ != nullptr) {
            store_->set_lookup_count(inode->id, inode->nlookup);
        }
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
    if (store_ != nullptr) {
        // Recorded before the guest can learn the id: the reply comes later.
        store_->put_node(
            inode->id, inode->generation, inode->nlookup,
            NodeStateStore::handle_of(inode->fd.get()).value_or(NodeStateStore::FileHandle{}));
    }
    return inode;
}

bool InodeTable::restore(NodeId id, std::uint64_t generation, std::uint64_t nlookup, UniqueFd fd,
                         const struct stat& st) {
    std::lock_guard lock(mutex_);
    if (id == kRootNode || nlookup == 0 || by_id_.contains(id) ||
        by_file_.contains({st.st_dev, st.st_ino})) {
        return false;
    }
    auto inode = std::make_shared<Inode>();
    inode->id = id;
    inode->generation = generation;
    inode->dev = st.st_dev;
    inode->ino = st.st_ino;
    inode->type = st.st_mode & S_IFMT;
    inode->fd = std::move(fd);
    inode->nlookup = nlookup;
    by_id_[id] = inode;
    by_file_[{inode->dev, inode->ino}] = id;
    return true;
}

void InodeTable::resume_ids(NodeId next) {
    std::lock_guard lock(mutex_);
    ids_.resume(next);
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
        if (store_ != nullptr) {
            store_->erase_node(id);
        }
    } else if (store_ != nullptr) {
        store_->set_lookup_count(id, inode->nlookup);
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
