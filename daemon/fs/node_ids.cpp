#include "fs/node_ids.hpp"

#include "fs/version_table.hpp"

#include <algorithm>

namespace vfsd::fs {

NodeIds::NodeIds(VersionTable* table) : table_(table), next_(kRootNode + 1) {}

NodeIds::Allocation NodeIds::allocate() {
    NodeId id;
    if (!free_.empty()) {
        id = free_.back();
        free_.pop_back();
    } else {
        id = next_++;
    }
    // bump() is 0 for ids without a slot; with one it is at least 1.
    return {id, table_ != nullptr ? table_->bump(id) : 0};
}

void NodeIds::release(NodeId id) {
    if (table_ != nullptr && table_->has_slot(id) && id != kRootNode) {
        free_.push_back(id);
    }
}

void NodeIds::resume(NodeId next) {
    free_.clear();
    next_ = std::max(next_, next);
}

void NodeIds::reset() {
    free_.clear();
    next_ = kRootNode + 1;
}

} // namespace vfsd::fs
