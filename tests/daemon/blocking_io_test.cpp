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

// The scratch directory served, with its file and its FIFO open (O_RDWR: a
// FIFO opened so does not wait for a peer).
struct Served {
    ShmScratch scratch;
    fs::PassthroughFs pfs{scratch.dir, {}};
    fs::NodeId file = 0;
    fs::NodeId fifo = 0;
    fs::HandleId file_handle = 0;
    fs::HandleId fifo_handle = 0;
    Served() {
        auto f = pfs.lookup(fs::kRootNode, "file");
        auto p = pfs.lookup(fs::kRootNode, "fifo");
        REQUIRE(f.ok());
        REQUIRE(p.ok());
        file = f->node;
        fifo = p->node;
        auto fh = pfs.open(file, O_RDWR);
        auto ph = pfs.open(fifo, O_RDWR);
        REQUIRE(fh.ok());
        REQUIRE(ph.ok());
        file_handle = *fh;
        fifo_handle = *ph;
    }
};

} // namespace

TEST_CASE("tmpfs is local storage, procfs and pipes are not", "[blocking_io]") {
    ShmScratch s;
    UniqueFd file(::open((s.dir / "file").c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(file);
    CHECK(fs::on_local_storage(file.get()));
    UniqueFd dir(::open(s.dir.c_str(), O_PATH | O_CLOEXEC));
    REQUIRE(dir);
    CHECK(fs::on_local_storage(dir.get()));
    // procfs is not storage: a regular file there counts as possibly slow,
    // as a file on NFS or FUSE does.
    UniqueFd proc(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
    REQUIRE(proc);
    CHECK_FALSE(fs::on_local_storage(proc.get()));
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    UniqueFd r(p[0]), w(p[1]);
    CHECK_FALSE(fs::on_local_storage(r.get()));
    CHECK_FALSE(fs::on_local_storage(-1));
}

TEST_CASE("local devices are remembered per device", "[blocking_io]") {
    ShmScratch s;
    UniqueFd file(::open((s.dir / "file").c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(file);
    struct stat st {};
    REQUIRE(::fstat(file.get(), &st) == 0);
    fs::LocalDevices devices;
    CHECK(devices.local(st.st_dev, file.get()));
    // Asked again for the same device, it does not look at the fd at all.
    CHECK(devices.local(st.st_dev, -1));
    // A device it has not seen is asked of its fd.
    CHECK_FALSE(devices.local(st.st_dev + 1, -1));
}

TEST_CASE("the passthrough file system decides once per open handle", "[blocking_io][passthrough]") {
    Served s;
    CHECK_FALSE(s.pfs.io_may_block(s.file_handle));
    CHECK(s.pfs.io_may_block(s.fifo_handle));
    CHECK(s.pfs.io_may_block(s.file_handle + s.fifo_handle + 1)); // unknown handle
    CHECK(s.pfs.release(s.file_handle) == 0);
    CHECK(s.pfs.io_may_block(s.file_handle)); // released
}

namespace {

// A request argument naming open handle fh, the rest zero.
template <typename In> In with_fh(std::uint64_t fh) {
    In in{};
    in.fh = fh;
    return in;
}

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
    Served s;
    fuse::FuseServer server(s.pfs, fuse::FuseServerOptions{});
    auto ask = [&](test::Call& call) { return asks_may_block(server, call); };

    // Quick on local storage: metadata of files and directories, I/O on
    // regular files, what the daemon answers from its own state.
    CHECK_FALSE(ask(test::Call(FUSE_GETATTR, 1, fs::kRootNode).add(fuse_getattr_in{})));
    CHECK_FALSE(ask(test::Call(FUSE_LOOKUP, 2, fs::kRootNode).add("file")));
    CHECK_FALSE(ask(test::Call(FUSE_OPEN, 3, s.file).add(fuse_open_in{})));
    CHECK_FALSE(ask(test::Call(FUSE_READ, 4, s.file).add(with_fh<fuse_read_in>(s.file_handle))));
    CHECK_FALSE(ask(test::Call(FUSE_WRITE, 5, s.file).add(with_fh<fuse_write_in>(s.file_handle))));
    CHECK_FALSE(ask(test::Call(FUSE_FORGET, 6, s.file).add(fuse_forget_in{.nlookup = 1})));
    CHECK_FALSE(ask(test::Call(FUSE_INTERRUPT, 7).add(fuse_interrupt_in{.unique = 4})));

    // A FIFO waits for its peer; a flush to the disk and a lock wait take
    // as long as they take; what is not known may block.
    CHECK(ask(test::Call(FUSE_OPEN, 8, s.fifo).add(fuse_open_in{})));
    CHECK(ask(test::Call(FUSE_READ, 9, s.fifo).add(with_fh<fuse_read_in>(s.fifo_handle))));
    CHECK(ask(test::Call(FUSE_FSYNC, 10, s.file).add(with_fh<fuse_fsync_in>(s.file_handle))));
    CHECK(ask(test::Call(FUSE_SETLKW, 11, s.file).add(with_fh<fuse_lk_in>(s.file_handle))));
    CHECK(ask(test::Call(9999, 12, s.file).add(fuse_getattr_in{})));
    // A READ too short to name its file: may block (it is answered EINVAL).
    test::Call short_read(FUSE_READ, 13, s.file);
    CHECK(ask(short_read));
    // Not even a header: answered at once.
    test::Call stub(FUSE_GETATTR, 14);
    stub.in.resize(3);
    CHECK_FALSE(asks_may_block(server, stub));
}
