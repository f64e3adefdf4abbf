// Which READs and WRITEs must stay cancellable by FUSE_INTERRUPT: those that
// can block until something outside the host's storage answers.
#include "common/unique_fd.hpp"
#include "fs/blocking_io.hpp"
#include "fs/passthrough_fs.hpp"
#include "fuse/fuse_server.hpp"
#include "fuse_call.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace vfsd;
namespace stdfs = std::filesystem;

namespace {

// A scratch directory on tmpfs (Debian mounts /dev/shm so): local storage.
struct ShmScratch {
    stdfs::path dir;
    ShmScratch() {
        char tmpl[] = "/dev/shm/vfsd-test-XXXXXX";
        dir = ::mkdtemp(tmpl);
        std::ofstream(dir / "file") << "hello\n";
        ::mkfifo((dir / "fifo").c_str(), 0600);
    }
    ~ShmScratch() { stdfs::remove_all(dir); }
};

} // namespace

TEST_CASE("a regular file on local storage does not block", "[blocking_io]") {
    ShmScratch s;
    UniqueFd fd(::open((s.dir / "file").c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    CHECK_FALSE(fs::io_may_block(fd.get()));
}

TEST_CASE("pipes, devices and files of other file systems may block", "[blocking_io]") {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    UniqueFd r(p[0]), w(p[1]);
    CHECK(fs::io_may_block(r.get()));
    CHECK(fs::io_may_block(w.get()));
    UniqueFd dev(::open("/dev/null", O_RDWR | O_CLOEXEC));
    REQUIRE(dev);
    CHECK(fs::io_may_block(dev.get()));
    // procfs is not storage: a regular file there counts as possibly slow,
    // as a file on NFS or FUSE does.
    UniqueFd proc(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
    REQUIRE(proc);
    CHECK(fs::io_may_block(proc.get()));
    CHECK(fs::io_may_block(-1));
}

TEST_CASE("the passthrough file system asks once per open handle", "[blocking_io][passthrough]") {
    ShmScratch s;
    fs::PassthroughFs pfs(s.dir, {});
    auto file = pfs.lookup(fs::kRootNode, "file");
    auto fifo = pfs.lookup(fs::kRootNode, "fifo");
    REQUIRE(file.ok());
    REQUIRE(fifo.ok());
    auto file_handle = pfs.open(file->node, O_RDONLY);
    // O_RDWR: a FIFO opened so does not wait for a peer.
    auto fifo_handle = pfs.open(fifo->node, O_RDWR);
    REQUIRE(file_handle.ok());
    REQUIRE(fifo_handle.ok());
    CHECK_FALSE(pfs.io_may_block(*file_handle));
    CHECK(pfs.io_may_block(*fifo_handle));
    CHECK(pfs.io_may_block(*file_handle + *fifo_handle + 1)); // unknown handle
    CHECK(pfs.release(*file_handle) == 0);
    CHECK(pfs.io_may_block(*file_handle)); // released
}

namespace {

// Asks server whether the request call carries may block.
bool asks_may_block(vhost::RequestHandler& server, test::Call& call) {
    std::vector<iovec> readable{{call.in.data(), call.in.size()}};
    std::vector<iovec> writable{{call.out.data(), call.out.size()}};
    vhost::Request request(readable, writable, &call.completion, 0, nullptr);
    return server.may_block(request);
}

} // namespace

TEST_CASE("the FUSE server hands over the queue only for requests that may block",
          "[blocking_io][fuse]") {
    ShmScratch s;
    fs::PassthroughFs pfs(s.dir, {});
    fuse::FuseServer server(pfs, fuse::FuseServerOptions{});
    auto file = pfs.lookup(fs::kRootNode, "file");
    auto fifo = pfs.lookup(fs::kRootNode, "fifo");
    REQUIRE(file.ok());
    REQUIRE(fifo.ok());
    auto file_handle = pfs.open(file->node, O_RDWR);
    auto fifo_handle = pfs.open(fifo->node, O_RDWR);
    REQUIRE(file_handle.ok());
    REQUIRE(fifo_handle.ok());
    auto ask = [&](test::Call& call) { return asks_may_block(server, call); };

    // Quick on local storage: metadata of files and directories, I/O on
    // regular files, what the daemon answers from its own state.
    CHECK_FALSE(ask(test::Call(FUSE_GETATTR, 1, fs::kRootNode).add(fuse_getattr_in{})));
    CHECK_FALSE(ask(test::Call(FUSE_LOOKUP, 2, fs::kRootNode).add("file")));
    CHECK_FALSE(ask(test::Call(FUSE_OPEN, 3, file->node).add(fuse_open_in{})));
    CHECK_FALSE(ask(test::Call(FUSE_READ, 4, file->node).add(fuse_read_in{*file_handle})));
    CHECK_FALSE(ask(test::Call(FUSE_WRITE, 5, file->node).add(fuse_write_in{*file_handle})));
    CHECK_FALSE(ask(test::Call(FUSE_FORGET, 6, file->node).add(fuse_forget_in{1})));
    CHECK_FALSE(ask(test::Call(FUSE_INTERRUPT, 7).add(fuse_interrupt_in{4})));

    // A FIFO waits for its peer; a flush to the disk and a lock wait take
    // as long as they take; what is not known may block.
    CHECK(ask(test::Call(FUSE_OPEN, 8, fifo->node).add(fuse_open_in{})));
    CHECK(ask(test::Call(FUSE_READ, 9, fifo->node).add(fuse_read_in{*fifo_handle})));
    CHECK(ask(test::Call(FUSE_FSYNC, 10, file->node).add(fuse_fsync_in{*file_handle})));
    CHECK(ask(test::Call(FUSE_SETLKW, 11, file->node).add(fuse_lk_in{*file_handle})));
    CHECK(ask(test::Call(9999, 12, file->node).add(fuse_getattr_in{})));
    // A READ too short to name its file: may block (it is answered EINVAL).
    test::Call short_read(FUSE_READ, 13, file->node);
    CHECK(ask(short_read));
    // Not even a header: answered at once.
    test::Call stub(FUSE_GETATTR, 14);
    stub.in.resize(3);
    CHECK_FALSE(asks_may_block(server, stub));
}
