#include "fs/host_file_ids.hpp"

#include <cstring>
#include <fcntl.h>

namespace vfsd::fs {

std::string HostFileIds::key(const file_handle& handle) {
    std::string k(sizeof(handle.handle_type) + handle.handle_bytes, '\0');
    std::memcpy(k.data(), &handle.handle_type, sizeof(handle.handle_type));
    std::memcpy(k.data() + sizeof(handle.handle_type), handle.f_handle, handle.handle_bytes);
    return k;
}

std::optional<HostFileId> HostFileIds::find(const file_handle& handle) const {
    const auto it = ids_.find(key(handle));
    if (it == ids_.end()) {
        return std::nullopt;
    }
    return it->second;
}

void HostFileIds::insert(const file_handle& handle, HostFileId id) {
    if (ids_.size() >= capacity_) {
        ids_.clear();
    }
    ids_.insert_or_assign(key(handle), id);
}

} // namespace vfsd::fs
