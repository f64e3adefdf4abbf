#include "fs/node_state_store.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace vfsd::fs {

namespace {

constexpr std::uint64_t kMagic = 0x3154534453464656ULL; // "VFFSDST1"
constexpr std::uint32_t kLayoutVersion = 1;
constexpr std::uint64_t kHeaderBytes = 4096;

template <typename T> void store_release(T& field, T value) {
    std::atomic_ref<T>(field).store(value, std::memory_order_release);
}

template <typename T> T load_acquire(const T& field) {
    return std::atomic_ref<T>(const_cast<T&>(field)).load(std::memory_order_acquire);
}

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

struct NodeStateStore::Header {
    std::uint64_t magic;
    std::uint32_t layout_version;
    std::uint32_t node_capacity;
    std::uint32_t handle_capacity;
    std::uint32_t session; // 1: a guest session is running
    std::uint64_t root_dev;
    std::uint64_t root_ino;
    std::uint64_t next_node;
};

struct NodeStateStore::NodeRecord {
    NodeId id; // 0: free; written last, cleared first
    std::uint64_t generation;
    std::uint64_t nlookup;
    FileHandle handle;
};

struct NodeStateStore::HandleRecord {
    std::uint64_t key; // handle_key(); 0: free; written last, cleared first
    NodeId node;
    std::int32_t flags;
    std::uint32_t padding;
};

static_assert(sizeof(NodeStateStore::FileHandle) == 136);

namespace {

std::uint64_t file_size(NodeStateStore::Capacity c, std::size_t node_bytes,
                        std::size_t handle_bytes) {
    const std::uint64_t bytes = kHeaderBytes + std::uint64_t{c.nodes} * node_bytes +
                                std::uint64_t{c.handles} * handle_bytes;
    const std::uint64_t page = 4096;
    return (bytes + page - 1) / page * page;
}

} // namespace

std::unique_ptr<NodeStateStore> NodeStateStore::open(const std::string& path, Capacity capacity) {
    if (capacity.nodes == 0 || capacity.handles == 0) {
        throw std::invalid_argument("state file capacity must not be 0");
    }
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) {
        throw_errno("open " + path);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) {
        throw_errno("stat " + path);
    }
    if (!S_ISREG(st.st_mode)) {
        throw std::system_error(EINVAL, std::generic_category(), path + " is not a regular file");
    }
    const std::uint64_t size = file_size(capacity, sizeof(NodeRecord), sizeof(HandleRecord));
    Header existing{};
    const bool readable =
        static_cast<std::uint64_t>(st.st_size) == size &&
        ::pread(fd.get(), &existing, sizeof(existing), 0) == static_cast<ssize_t>(sizeof(existing));
    const bool same_layout =
        readable && existing.magic == kMagic && existing.layout_version == kLayoutVersion &&
        existing.node_capacity == capacity.nodes && existing.handle_capacity == capacity.handles;
    if (!same_layout) {
        // A sparse file of zeros: no session, every record free.
        if (::ftruncate(fd.get(), 0) != 0 || ::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
            throw_errno("size " + path);
        }
    }
    auto mapping = Mapping::map_shared(fd.get(), size);
    auto store = std::make_unique<NodeStateStore>(std::move(fd), std::move(mapping), capacity);
    if (!same_layout) {
        Header* h = store->header();
        h->layout_version = kLayoutVersion;
        h->node_capacity = capacity.nodes;
        h->handle_capacity = capacity.handles;
        store_release(h->magic, kMagic);
    }
    return store;
}

NodeStateStore::NodeStateStore(UniqueFd fd, Mapping mapping, Capacity capacity)
    : fd_(std::move(fd)), mapping_(std::move(mapping)), capacity_(capacity) {
    index_records();
}

NodeStateStore::Header* NodeStateStore::header() const {
    return reinterpret_cast<Header*>(mapping_.data());
}

NodeStateStore::NodeRecord* NodeStateStore::node_record(std::uint32_t slot) const {
    return reinterpret_cast<NodeRecord*>(mapping_.data() + kHeaderBytes) + slot;
}

NodeStateStore::HandleRecord* NodeStateStore::handle_record(std::uint32_t slot) const {
    auto* first = reinterpret_cast<HandleRecord*>(
        mapping_.data() + kHeaderBytes + std::uint64_t{capacity_.nodes} * sizeof(NodeRecord));
    return first + slot;
}

std::uint64_t NodeStateStore::handle_key(HandleKind kind, HandleId id) {
    return (id << 1) | (kind == HandleKind::Directory ? 1 : 0);
}

void NodeStateStore::index_records() {
    std::lock_guard lock(mutex_);
    node_slots_.clear();
    free_node_slots_.clear();
    handle_slots_.clear();
    free_handle_slots_.clear();
    // Free slots are handed out lowest first, so the used part stays dense.
    for (std::uint32_t i = capacity_.nodes; i-- > 0;) {
        const NodeId id = load_acquire(node_record(i)->id);
        if (id == 0) {
            free_node_slots_.push_back(i);
        } else if (!node_slots_.emplace(id, i).second) {
            node_record(i)->id = 0; // a duplicate cannot come from us; drop it
            free_node_slots_.push_back(i);
        }
    }
    for (std::uint32_t i = capacity_.handles; i-- > 0;) {
        const std::uint64_t key = load_acquire(handle_record(i)->key);
        if (key == 0) {
            free_handle_slots_.push_back(i);
        } else if (!handle_slots_.emplace(key, i).second) {
            handle_record(i)->key = 0;
            free_handle_slots_.push_back(i);
        }
    }
}

void NodeStateStore::bind_root(dev_t root_dev, ino_t root_ino) {
    root_dev_ = root_dev;
    root_ino_ = root_ino;
}

void NodeStateStore::begin_session() {
    Header* h = header();
    store_release(h->session, std::uint32_t{0});
    clear();
    h->root_dev = root_dev_;
    h->root_ino = root_ino_;
    h->next_node = kRootNode + 1;
    store_release(h->session, std::uint32_t{1});
}

void NodeStateStore::end_session() {
    store_release(header()->session, std::uint32_t{0});
    clear();
}

bool NodeStateStore::session_active() const {
    const Header* h = header();
    return load_acquire(h->session) == 1 && h->root_dev == root_dev_ && h->root_ino == root_ino_;
}

bool NodeStateStore::put_node(NodeId id, std::uint64_t generation, std::uint64_t nlookup,
                              const FileHandle& handle) {
    std::lock_guard lock(mutex_);
    std::uint32_t slot;
    if (auto it = node_slots_.find(id); it != node_slots_.end()) {
        slot = it->second;
        store_release(node_record(slot)->id, NodeId{0});
    } else if (!free_node_slots_.empty()) {
        slot = free_node_slots_.back();
        free_node_slots_.pop_back();
        node_slots_.emplace(id, slot);
    } else {
        if (!full_logged_) {
            spdlog::warn("state file full ({} nodes): newer nodes will not survive a restart",
                         capacity_.nodes);
            full_logged_ = true;
        }
        return false;
    }
    NodeRecord* r = node_record(slot);
    r->generation = generation;
    r->nlookup = nlookup;
    r->handle = handle;
    Header* h = header();
    h->next_node = std::max<std::uint64_t>(h->next_node, id + 1);
    store_release(r->id, id);
    return true;
}

void NodeStateStore::set_lookup_count(NodeId id, std::uint64_t nlookup) {
    std::lock_guard lock(mutex_);
    if (auto it = node_slots_.find(id); it != node_slots_.end()) {
        store_release(node_record(it->second)->nlookup, nlookup);
    }
}

void NodeStateStore::erase_node(NodeId id) {
    std::lock_guard lock(mutex_);
    if (auto it = node_slots_.find(id); it != node_slots_.end()) {
        store_release(node_record(it->second)->id, NodeId{0});
        free_node_slots_.push_back(it->second);
        node_slots_.erase(it);
    }
}

std::vector<NodeStateStore::StoredNode> NodeStateStore::nodes() const {
    std::lock_guard lock(mutex_);
    std::vector<StoredNode> out;
    out.reserve(node_slots_.size());
    for (const auto& [id, slot] : node_slots_) {
        const NodeRecord* r = node_record(slot);
        out.push_back({id, r->generation, load_acquire(r->nlookup), r->handle});
    }
    std::sort(out.begin(), out.end(),
              [](const StoredNode& a, const StoredNode& b) { return a.id < b.id; });
    return out;
}

NodeId NodeStateStore::next_node_id() const {
    return std::max<NodeId>(header()->next_node, kRootNode + 1);
}

bool NodeStateStore::put_handle(HandleKind kind, HandleId id, NodeId node, int flags) {
    const std::uint64_t key = handle_key(kind, id);
    std::lock_guard lock(mutex_);
    std::uint32_t slot;
    if (auto it = handle_slots_.find(key); it != handle_slots_.end()) {
        slot = it->second;
        store_release(handle_record(slot)->key, std::uint64_t{0});
    } else if (!free_handle_slots_.empty()) {
        slot = free_handle_slots_.back();
        free_handle_slots_.pop_back();
        handle_slots_.emplace(key, slot);
    } else {
        if (!full_logged_) {
            spdlog::warn("state file full ({} handles): newer open files will not survive a "
                         "restart",
                         capacity_.handles);
            full_logged_ = true;
        }
        return false;
    }
    HandleRecord* r = handle_record(slot);
    r->node = node;
    r->flags = flags;
    store_release(r->key, key);
    return true;
}

void NodeStateStore::erase_handle(HandleKind kind, HandleId id) {
    std::lock_guard lock(mutex_);
    if (auto it = handle_slots_.find(handle_key(kind, id)); it != handle_slots_.end()) {
        store_release(handle_record(it->second)->key, std::uint64_t{0});
        free_handle_slots_.push_back(it->second);
        handle_slots_.erase(it);
    }
}

std::vector<NodeStateStore::StoredHandle> NodeStateStore::handles() const {
    std::lock_guard lock(mutex_);
    std::vector<StoredHandle> out;
    out.reserve(handle_slots_.size());
    for (const auto& [key, slot] : handle_slots_) {
        const HandleRecord* r = handle_record(slot);
        out.push_back(
            {key >> 1, (key & 1) ? HandleKind::Directory : HandleKind::File, r->node, r->flags});
    }
    return out;
}

void NodeStateStore::clear() {
    std::lock_guard lock(mutex_);
    for (const auto& [id, slot] : node_slots_) {
        store_release(node_record(slot)->id, NodeId{0});
        free_node_slots_.push_back(slot);
    }
    node_slots_.clear();
    for (const auto& [key, slot] : handle_slots_) {
        store_release(handle_record(slot)->key, std::uint64_t{0});
        free_handle_slots_.push_back(slot);
    }
    handle_slots_.clear();
    // Lowest first again, as after index_records().
    std::sort(free_node_slots_.begin(), free_node_slots_.end(), std::greater<>());
    std::sort(free_handle_slots_.begin(), free_handle_slots_.end(), std::greater<>());
}

namespace {

// struct file_handle ends in a flexible array: room for the largest handle.
struct HandleBuffer {
    alignas(file_handle) std::uint8_t raw[sizeof(file_handle) + MAX_HANDLE_SZ] = {};
    file_handle* get() { return reinterpret_cast<file_handle*>(raw); }
};
static_assert(MAX_HANDLE_SZ == sizeof(NodeStateStore::FileHandle::data));

} // namespace

std::optional<NodeStateStore::FileHandle> NodeStateStore::handle_of(int fd) {
    HandleBuffer buf;
    file_handle* fh = buf.get();
    fh->handle_bytes = MAX_HANDLE_SZ;
    int mount_id = 0;
    if (::name_to_handle_at(fd, "", fh, &mount_id, AT_EMPTY_PATH) != 0) {
        return std::nullopt;
    }
    FileHandle out;
    out.bytes = fh->handle_bytes;
    out.type = fh->handle_type;
    std::memcpy(out.data, fh->f_handle, out.bytes);
    return out;
}

UniqueFd NodeStateStore::open_handle(int mount_fd, const FileHandle& handle, int flags) {
    if (handle.bytes == 0 || handle.bytes > sizeof(handle.data)) {
        errno = ESTALE;
        return UniqueFd();
    }
    HandleBuffer buf;
    file_handle* fh = buf.get();
    fh->handle_bytes = handle.bytes;
    fh->handle_type = handle.type;
    std::memcpy(fh->f_handle, handle.data, handle.bytes);
    return UniqueFd(::open_by_handle_at(mount_fd, fh, flags | O_CLOEXEC));
}

} // namespace vfsd::fs
