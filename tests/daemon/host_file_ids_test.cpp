// HostFileIds: the watcher's memory of resolved file handles.
#include "fs/host_file_ids.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <fcntl.h>
#include <vector>

using vfsd::fs::HostFileId;
using vfsd::fs::HostFileIds;

namespace {

// A file_handle with room for its bytes, as the kernel lays it out.
struct Handle {
    std::vector<unsigned char> storage;

    Handle(int type, std::vector<unsigned char> bytes)
        : storage(sizeof(file_handle) + bytes.size()) {
        auto* h = get();
        h->handle_type = type;
        h->handle_bytes = static_cast<unsigned>(bytes.size());
        std::memcpy(h->f_handle, bytes.data(), bytes.size());
    }
    file_handle* get() { return reinterpret_cast<file_handle*>(storage.data()); }
};

} // namespace

TEST_CASE("resolved handles are remembered by type and bytes", "[vtable][watcher]") {
    HostFileIds ids(8);
    Handle a(1, {1, 2, 3, 4, 5, 6, 7, 8});
    Handle same_bytes_other_type(2, {1, 2, 3, 4, 5, 6, 7, 8});
    Handle other_generation(1, {1, 2, 3, 4, 5, 6, 7, 9});

    CHECK_FALSE(ids.find(*a.get()));
    ids.insert(*a.get(), HostFileId{10, 42});
    const auto found = ids.find(*a.get());
    REQUIRE(found);
    CHECK(*found == HostFileId{10, 42});
    CHECK_FALSE(ids.find(*same_bytes_other_type.get()));
    CHECK_FALSE(ids.find(*other_generation.get()));
}

TEST_CASE("a full memory of handles starts afresh", "[vtable][watcher]") {
    HostFileIds ids(2);
    Handle a(1, {1}), b(1, {2}), c(1, {3});
    ids.insert(*a.get(), HostFileId{1, 1});
    ids.insert(*b.get(), HostFileId{1, 2});
    CHECK(ids.size() == 2);
    ids.insert(*c.get(), HostFileId{1, 3});
    CHECK(ids.size() == 1);
    CHECK_FALSE(ids.find(*a.get()));
    CHECK(ids.find(*c.get()) == HostFileId{1, 3});
}
