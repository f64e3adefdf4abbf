// Which READs and WRITEs must stay cancellable by FUSE_INTERRUPT: those that
// can block until something outside the host's storage answers.
#include "common/unique_fd.hpp"
#include "fs/blocking_io.hpp"
#include "fs/passthrough_fs.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

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
