#include "fs/node_state_store.hpp"
#include "fs/passthrough_fs.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

using namespace vfsd;
using Store = fs::NodeStateStore;
namespace stdfs = std::filesystem;

namespace {

constexpr Store::Capacity kSmall{64, 16};

struct Scratch {
    stdfs::path base;
    stdfs::path root;
    stdfs::path state;
    struct stat root_st {};
    Scratch() {
        char tmpl[] = "/tmp/vfsd-state-test-XXXXXX";
        base = ::mkdtemp(tmpl);
        root = base / "root";
        state = base / "vfsd.state";
        stdfs::create_directories(root / "dir");
        std::ofstream(root / "file") << "hello\n";
        REQUIRE(::stat(root.c_str(), &root_st) == 0);
    }
    ~Scratch() { stdfs::remove_all(base); }
    std::unique_ptr<Store> open_store(Store::Capacity c = kSmall) const {
        auto store = Store::open(state, c);
        store->bind_root(root_st.st_dev, root_st.st_ino);
        return store;
    }
};

std::string read_handle(fs::PassthroughFs& pfs, fs::HandleId h) {
    char buf[64] = {};
    iovec iov{buf, sizeof(buf) - 1};
    auto n = pfs.read(h, std::span(&iov, 1), 0);
    return n.ok() ? std::string(buf, *n) : std::string("error");
}

} // namespace

TEST_CASE("the state file keeps records across reopening", "[state]") {
    Scratch s;
    {
        auto store = s.open_store();
        CHECK_FALSE(store->session_active());
        store->begin_session();
        Store::FileHandle fh;
        fh.bytes = 8;
        fh.type = 1;
        fh.data[0] = 42;
        CHECK(store->put_node(7, 3, 2, fh));
        CHECK(store->put_node(9, 1, 1, fh));
        store->set_lookup_count(7, 5);
        store->erase_node(9);
        CHECK(store->put_handle(Store::HandleKind::File, 4, 7, O_RDWR));
        CHECK(store->put_handle(Store::HandleKind::Directory, 4, 1, O_RDONLY));
        store->erase_handle(Store::HandleKind::File, 99); // unknown: nothing
    }
    auto again = s.open_store();
    REQUIRE(again->session_active());
    auto nodes = again->nodes();
    REQUIRE(nodes.size() == 1);
    CHECK(nodes[0].id == 7);
    CHECK(nodes[0].generation == 3);
    CHECK(nodes[0].nlookup == 5);
    CHECK(nodes[0].handle.bytes == 8);
    CHECK(nodes[0].handle.data[0] == 42);
    CHECK(again->next_node_id() == 10);
    auto handles = again->handles();
    REQUIRE(handles.size() == 2);
    for (const auto& h : handles) {
        CHECK(h.id == 4);
        CHECK((h.kind == Store::HandleKind::File ? h.node == 7 : h.node == 1));
    }
    again->end_session();
    CHECK_FALSE(s.open_store()->session_active());
}

TEST_CASE("a state file is not applied to another directory or layout", "[state]") {
    Scratch s;
    s.open_store()->begin_session();
    auto other = Store::open(s.state, kSmall);
    other->bind_root(s.root_st.st_dev, s.root_st.st_ino + 1);
    CHECK_FALSE(other->session_active());
    // Another capacity is another layout: started afresh.
    auto resized = s.open_store({128, 16});
    CHECK_FALSE(resized->session_active());
    CHECK(resized->nodes().empty());
}

TEST_CASE("a full state file refuses records instead of overwriting", "[state]") {
    Scratch s;
    auto store = s.open_store({2, 1});
    store->begin_session();
    CHECK(store->put_node(2, 0, 1, {}));
    CHECK(store->put_node(3, 0, 1, {}));
    CHECK_FALSE(store->put_node(4, 0, 1, {}));
    CHECK(store->put_handle(Store::HandleKind::File, 1, 2, O_RDONLY));
    CHECK_FALSE(store->put_handle(Store::HandleKind::File, 2, 2, O_RDONLY));
    store->erase_node(2);
    CHECK(store->put_node(4, 0, 1, {}));
}

TEST_CASE("a restarted file system serves the same node ids and open files", "[state]") {
    Scratch s;
    fs::NodeId file_node = 0, dir_node = 0;
    fs::HandleId file_handle = 0, dir_handle = 0;
    std::uint64_t generation = 0;
    {
        auto store = s.open_store();
        store->begin_session();
        fs::PassthroughFs pfs(s.root, {false, true, nullptr, store.get()});
        auto file = pfs.lookup(fs::kRootNode, "file");
        REQUIRE(file.ok());
        REQUIRE(pfs.lookup(fs::kRootNode, "file").ok()); // nlookup 2
        auto dir = pfs.lookup(fs::kRootNode, "dir");
        REQUIRE(dir.ok());
        auto gone = pfs.lookup(fs::kRootNode, "dir");
        pfs.forget(gone->node, 1);
        file_node = file->node;
        dir_node = dir->node;
        generation = file->generation;
        auto h = pfs.open(file_node, O_RDWR);
        REQUIRE(h.ok());
        file_handle = *h;
        auto d = pfs.opendir(dir_node);
        REQUIRE(d.ok());
        dir_handle = *d;
        // The process "dies" here: nothing is released.
    }
    // Renamed while no daemon ran: the handle still finds it.
    stdfs::rename(s.root / "file", s.root / "dir" / "moved");
    auto store = s.open_store();
    REQUIRE(store->session_active());
    fs::PassthroughFs pfs(s.root, {false, true, nullptr, store.get()});
    auto report = pfs.restore_state();
    CHECK(report.nodes == 2);
    CHECK(report.nodes_lost == 0);
    CHECK(report.handles == 2);
    CHECK(pfs.inodes().lookup_count(file_node) == 2);
    CHECK(pfs.inodes().lookup_count(dir_node) == 1);
    CHECK(read_handle(pfs, file_handle) == "hello\n");
    CHECK(pfs.releasedir(dir_handle) == 0);
    // The same file looked up again is the same node, with its generation.
    auto again = pfs.lookup(dir_node, "moved");
    REQUIRE(again.ok());
    CHECK(again->node == file_node);
    CHECK(again->generation == generation);
    // New nodes never reuse an id the guest may hold.
    std::ofstream(s.root / "new") << "x";
    auto fresh = pfs.lookup(fs::kRootNode, "new");
    REQUIRE(fresh.ok());
    CHECK(fresh->node > std::max(file_node, dir_node));
    // New handles do not collide with restored ones.
    auto h2 = pfs.open(fresh->node, O_RDONLY);
    REQUIRE(h2.ok());
    CHECK(*h2 != file_handle);
}

TEST_CASE("a node deleted while no daemon ran is dropped from the state", "[state]") {
    Scratch s;
    {
        auto store = s.open_store();
        store->begin_session();
        fs::PassthroughFs pfs(s.root, {false, true, nullptr, store.get()});
        REQUIRE(pfs.lookup(fs::kRootNode, "file").ok());
    }
    stdfs::remove(s.root / "file");
    auto store = s.open_store();
    fs::PassthroughFs pfs(s.root, {false, true, nullptr, store.get()});
    auto report = pfs.restore_state();
    CHECK(report.nodes == 0);
    CHECK(report.nodes_lost == 1);
    CHECK(store->nodes().empty());
}
