#include "fs/lock_table.hpp"

namespace vfsd::fs {

std::shared_ptr<LockFile> LockTable::find(NodeId node, LockOwner owner) const {
    std::lock_guard lock(mutex_);
    auto it = files_.find({node, owner});
    return it == files_.end() ? nullptr : it->second;
}

std::shared_ptr<LockFile> LockTable::insert(NodeId node, LockOwner owner,
                                            std::shared_ptr<LockFile> file) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = files_.try_emplace({node, owner}, std::move(file));
    return it->second;
}

std::vector<std::shared_ptr<LockFile>> LockTable::others(NodeId node, LockOwner owner) const {
    std::vector<std::shared_ptr<LockFile>> found;
    std::lock_guard lock(mutex_);
    for (auto it = files_.lower_bound({node, 0}); it != files_.end() && it->first.first == node;
         ++it) {
        if (it->first.second != owner) {
            found.push_back(it->second);
        }
    }
    return found;
}

void LockTable::remove(NodeId node, LockOwner owner) {
    std::shared_ptr<LockFile> dropped; // closed after the mutex is released
    std::lock_guard lock(mutex_);
    if (auto it = files_.find({node, owner}); it != files_.end()) {
        dropped = std::move(it->second);
        files_.erase(it);
    }
}

void LockTable::clear() {
    decltype(files_) dropped;
    std::lock_guard lock(mutex_);
    dropped.swap(files_);
}

std::size_t LockTable::size() const {
    std::lock_guard lock(mutex_);
    return files_.size();
}

} // namespace vfsd::fs
