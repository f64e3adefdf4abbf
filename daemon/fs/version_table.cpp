#include "fs/version_table.hpp"

#include <atomic>
#include <bit>
#include <cerrno>
#include <fcntl.h>
#include <linux/virtio_fs.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/random.h>
#include <system_error>
#include <unistd.h>

namespace vfsd::fs {

// The counters are stored as native u64 atomics; the ABI says little endian.
static_assert(std::endian::native == std::endian::little, "version table needs a LE host");
static_assert(sizeof(vtfs_vtable_header) <= VersionTable::kSlotsOffset);
static_assert(VersionTable::kSlotsOffset % alignof(std::uint64_t) == 0);

namespace {

std::uint64_t random_generation() {
    std::uint64_t g = 0;
    while (g == 0) {
        if (::getrandom(&g, sizeof(g), 0) != static_cast<ssize_t>(sizeof(g))) {
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
    }
    return g;
}

} // namespace

VersionTable::VersionTable(std::uint64_t size, std::uint64_t generation)
    : generation_(generation != 0 ? generation : random_generation()) {
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    if (size % page != 0 || size < kSlotsOffset + 2 * sizeof(std::uint64_t)) {
        throw std::invalid_argument("version table size must be a non-zero multiple of the page "
                                    "size");
    }
    memfd_.reset(::memfd_create("vfsd-version-table", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!memfd_) {
        throw std::system_error(errno, std::generic_category(), "memfd_create");
    }
    if (::ftruncate(memfd_.get(), static_cast<off_t>(size)) != 0) {
        throw std::system_error(errno, std::generic_category(), "ftruncate version table");
    }
    // The frontend maps exactly this size; it must never shrink under it
    // (a mapped page past the end would SIGBUS the frontend).
    ::fcntl(memfd_.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
    mapping_ = Mapping::map_shared(memfd_.get(), size);
    nr_slots_ = (size - kSlotsOffset) / sizeof(std::uint64_t);

    auto* header = reinterpret_cast<vtfs_vtable_header*>(mapping_.data());
    header->layout = VTFS_VTABLE_LAYOUT;
    header->generation = generation_;
    header->nr_slots = nr_slots_;
    header->slots_offset = kSlotsOffset;
    // The magic last: a reader that sees it sees the rest of the header.
    std::atomic_ref<std::uint32_t>(header->magic).store(VTFS_VTABLE_MAGIC,
                                                        std::memory_order_release);
}

VersionTable::~VersionTable() {
    auto* header = reinterpret_cast<vtfs_vtable_header*>(mapping_.data());
    std::atomic_ref<__u64>(header->generation).store(0, std::memory_order_release);
    std::atomic_ref<std::uint32_t>(header->magic).store(0, std::memory_order_release);
}

std::uint64_t* VersionTable::slot(NodeId node) const {
    if (!has_slot(node)) {
        return nullptr;
    }
    return reinterpret_cast<std::uint64_t*>(mapping_.data() + kSlotsOffset) + (node - 1);
}

std::uint64_t VersionTable::bump(NodeId node) {
    std::uint64_t* s = slot(node);
    if (s == nullptr) {
        return 0;
    }
    return std::atomic_ref<std::uint64_t>(*s).fetch_add(1, std::memory_order_release) + 1;
}

std::uint64_t VersionTable::version(NodeId node) const {
    std::uint64_t* s = slot(node);
    return s == nullptr ? 0 : std::atomic_ref<std::uint64_t>(*s).load(std::memory_order_acquire);
}

} // namespace vfsd::fs
