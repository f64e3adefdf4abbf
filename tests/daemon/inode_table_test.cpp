#include "fs/inode_table.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>

using namespace vfsd;
using fs::InodeTable;

namespace {

struct stat fake_stat(dev_t dev, ino_t ino) {
    struct stat st {};
    st.st_dev = dev;
    st.st_ino = ino;
    st.st_mode = S_IFREG;
    return st;
}

UniqueFd some_fd() {
    return UniqueFd(::open("/", O_PATH | O_CLOEXEC));
}

} // namespace

TEST_CASE("lookups of one file share a node and count references", "[inodes]") {
    struct stat root = fake_stat(1, 2);
    root.st_mode = S_IFDIR;
    InodeTable table(some_fd(), root);
    auto a = table.acquire(some_fd(), fake_stat(1, 10));
    auto b = table.acquire(some_fd(), fake_stat(1, 10));
    auto c = table.acquire(some_fd(), fake_stat(2, 10)); // same ino, other device
    CHECK(a->id == b->id);
    CHECK(a->id != c->id);
    CHECK(a->id != fs::kRootNode);
    CHECK(table.lookup_count(a->id) == 2);
    CHECK(table.size() == 3);

    table.forget(a->id, 1);
    CHECK(table.get(a->id) != nullptr);
    table.forget(a->id, 1);
    CHECK(table.get(a->id) == nullptr);
    CHECK(table.size() == 2);
    // A forget for more than is held, or for an unknown node, is harmless.
    table.forget(c->id, 100);
    table.forget(12345, 1);
    CHECK(table.size() == 1);
    // A node comes back with a fresh id.
    auto again = table.acquire(some_fd(), fake_stat(1, 10));
    CHECK(again->id != a->id);
}

TEST_CASE("the root survives forget and clear", "[inodes]") {
    struct stat root = fake_stat(1, 2);
    InodeTable table(some_fd(), root);
    auto r = table.acquire(some_fd(), root); // e.g. lookup of ".." at the root
    CHECK(r->id == fs::kRootNode);
    table.forget(fs::kRootNode, 1000);
    CHECK(table.get(fs::kRootNode) != nullptr);
    table.acquire(some_fd(), fake_stat(1, 3));
    table.clear();
    CHECK(table.size() == 1);
    CHECK(table.get(fs::kRootNode) != nullptr);
}
