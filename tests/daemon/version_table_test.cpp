// The version table: header, counters, slot allocation and reuse.
#include "fs/inode_table.hpp"
#include "fs/version_table.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <linux/virtio_fs.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace vfsd;
using fs::InodeTable;
using fs::VersionTable;

namespace {

constexpr std::uint64_t kSize = 64 * 1024;

struct stat fake_stat(ino_t ino, mode_t type = S_IFREG) {
    struct stat st {};
    st.st_dev = 7;
    st.st_ino = ino;
    st.st_mode = type;
    return st;
}

UniqueFd some_fd() {
    return UniqueFd(::open("/", O_PATH | O_CLOEXEC));
}

// What a reader on the other side of the memfd sees.
struct Reader {
    void* base;
    explicit Reader(int fd)
        : base(::mmap(nullptr, kSize, PROT_READ, MAP_SHARED, fd, 0)) {
        REQUIRE(base != MAP_FAILED);
    }
    ~Reader() { ::munmap(base, kSize); }
    const vtfs_vtable_header& header() const {
        return *static_cast<const vtfs_vtable_header*>(base);
    }
    std::uint64_t slot(std::uint64_t i) const {
        return static_cast<const std::uint64_t*>(base)[header().slots_offset / 8 + i];
    }
};

} // namespace

TEST_CASE("the header describes the table as the ABI says", "[vtable]") {
    VersionTable table(kSize);
    Reader r(table.fd());
    CHECK(r.header().magic == VTFS_VTABLE_MAGIC);
    CHECK(r.header().layout == VTFS_VTABLE_LAYOUT);
    CHECK(r.header().generation != 0);
    CHECK(r.header().generation == table.generation());
    CHECK(r.header().slots_offset % 8 == 0);
    CHECK(r.header().slots_offset >= sizeof(vtfs_vtable_header));
    CHECK(r.header().nr_slots == (kSize - r.header().slots_offset) / 8);
    CHECK(r.header().nr_slots == table.nr_slots());
    CHECK(r.slot(0) == 0);
    CHECK(r.slot(table.nr_slots() - 1) == 0);
}

TEST_CASE("each table has a new generation", "[vtable]") {
    VersionTable a(kSize), b(kSize);
    CHECK(a.generation() != b.generation());
    VersionTable fixed(kSize, 42);
    CHECK(fixed.generation() == 42);
}

TEST_CASE("a destroyed table reads as invalid", "[vtable]") {
    auto table = std::make_unique<VersionTable>(kSize);
    UniqueFd keep(::dup(table->fd()));
    table.reset();
    Reader r(keep.get());
    CHECK(r.header().magic == 0);
    CHECK(r.header().generation == 0);
}

TEST_CASE("bad sizes are refused", "[vtable]") {
    CHECK_THROWS(VersionTable(0));
    CHECK_THROWS(VersionTable(4096 + 8));
}

TEST_CASE("bumps land in slot nodeid - 1, out-of-table nodes have none", "[vtable]") {
    VersionTable table(kSize);
    Reader r(table.fd());
    CHECK(table.bump(fs::kRootNode) == 1);
    CHECK(r.slot(0) == 1);
    CHECK(table.bump(5) == 1);
    CHECK(table.bump(5) == 2);
    CHECK(r.slot(4) == 2);
    CHECK(table.version(5) == 2);
    const auto last = table.nr_slots(); // node id of the last slot
    CHECK(table.has_slot(last));
    CHECK(table.bump(last) == 1);
    CHECK(r.slot(last - 1) == 1);
    CHECK_FALSE(table.has_slot(last + 1));
    CHECK(table.bump(last + 1) == 0);
    CHECK_FALSE(table.has_slot(0));
    CHECK(table.bump(0) == 0);
}

TEST_CASE("with a table, node ids are slots, reused with a bump and a new generation",
          "[vtable][inodes]") {
    VersionTable table(kSize);
    InodeTable inodes(some_fd(), fake_stat(2, S_IFDIR), &table);
    auto a = inodes.acquire(some_fd(), fake_stat(10));
    CHECK(a->id == 2);
    CHECK(table.version(a->id) >= 1); // allocation bumps
    const auto a_id = a->id;
    const auto a_gen = a->generation;
    CHECK(a_gen == table.version(a_id));

    inodes.forget(a_id, 1);
    const auto before = table.version(a_id);
    auto b = inodes.acquire(some_fd(), fake_stat(11));
    CHECK(b->id == a_id); // the freed slot is reused
    CHECK(table.version(a_id) > before);
    CHECK(b->generation != a_gen);
    CHECK(b->generation > a_gen);
}

TEST_CASE("without a table, ids are not reused and generations are 0", "[vtable][inodes]") {
    InodeTable inodes(some_fd(), fake_stat(2, S_IFDIR));
    auto a = inodes.acquire(some_fd(), fake_stat(10));
    const auto a_id = a->id;
    CHECK(a->generation == 0);
    inodes.forget(a_id, 1);
    auto b = inodes.acquire(some_fd(), fake_stat(11));
    CHECK(b->id != a_id);
    CHECK(b->generation == 0);
}

TEST_CASE("a full table hands out ids without slots, never reused", "[vtable][inodes]") {
    VersionTable table(4096); // (4096 - 64) / 8 = 504 slots
    const auto slots = table.nr_slots();
    InodeTable inodes(some_fd(), fake_stat(2, S_IFDIR), &table);
    fs::NodeId last = 0;
    for (std::uint64_t i = 0; i < slots; ++i) { // root has slot 0
        last = inodes.acquire(some_fd(), fake_stat(100 + i))->id;
    }
    CHECK(last == slots + 1);
    CHECK_FALSE(table.has_slot(last));
    inodes.forget(last, 1);
    auto next = inodes.acquire(some_fd(), fake_stat(99999));
    CHECK(next->id == last + 1);
    // A slot freed later is used again first.
    inodes.forget(5, 1);
    CHECK(inodes.acquire(some_fd(), fake_stat(99998))->id == 5);
}

TEST_CASE("find maps a file to the node the guest holds", "[vtable][inodes]") {
    InodeTable inodes(some_fd(), fake_stat(2, S_IFDIR));
    auto a = inodes.acquire(some_fd(), fake_stat(10));
    CHECK(inodes.find(7, 10) == a->id);
    CHECK(inodes.find(7, 2) == fs::kRootNode);
    CHECK_FALSE(inodes.find(7, 11).has_value());
    inodes.forget(a->id, 1);
    CHECK_FALSE(inodes.find(7, 10).has_value());
}
