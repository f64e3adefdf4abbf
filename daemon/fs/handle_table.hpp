#pragma once

#include "fs/types.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

namespace vfsd::fs {

// Open files or directories by the handle id the guest holds.  Entries are
// shared_ptrs so a release racing with a read cannot close the fd under it.
template <typename T> class HandleTable {
public:
    HandleId insert(std::shared_ptr<T> item) {
        std::lock_guard lock(mutex_);
        const HandleId id = next_id_++;
        items_[id] = std::move(item);
        return id;
    }
    // A handle a killed predecessor gave out (the state file): same id.
    // False if the id is taken.
    bool insert_at(HandleId id, std::shared_ptr<T> item) {
        std::lock_guard lock(mutex_);
        if (id == 0 || !items_.emplace(id, std::move(item)).second) {
            return false;
        }
        next_id_ = std::max(next_id_, id + 1);
        return true;
    }
    std::shared_ptr<T> get(HandleId id) const {
        std::lock_guard lock(mutex_);
        auto it = items_.find(id);
        return it == items_.end() ? nullptr : it->second;
    }
    std::shared_ptr<T> remove(HandleId id) {
        std::lock_guard lock(mutex_);
        auto it = items_.find(id);
        if (it == items_.end()) {
            return nullptr;
        }
        auto item = std::move(it->second);
        items_.erase(it);
        return item;
    }
    void clear() {
        std::lock_guard lock(mutex_);
        items_.clear();
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return items_.size();
    }

private:
    mutable std::mutex mutex_;
    HandleId next_id_ = 1;
    std::map<HandleId, std::shared_ptr<T>> items_;
};

} // namespace vfsd::fs
