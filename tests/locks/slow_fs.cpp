// slow-fs: a host FUSE file system whose one file never answers a read or
// a write until the request is interrupted (tests/locks/check.sh).
//
//   slow-fs MOUNTPOINT
//
// Mounted inside a shared directory it is "a file on a slow host mount":
// vfsd's worker blocks in preadv/pwritev on MOUNTPOINT/file, and only a
// signal to that worker ends the call (the host kernel then sends us
// FUSE_INTERRUPT and we answer EINTR).  One line per event on stdout
// ("blocked read", "interrupted read", ...) lets the test check the chain.
// Runs in the foreground until SIGTERM/SIGINT; needs root (mount(2)).

// The 3.12 API: fuse_loop_cfg_create() for the multi-threaded loop.
#define FUSE_USE_VERSION 312

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fuse_lowlevel.h>
#include <mutex>
#include <sys/stat.h>

namespace {

constexpr fuse_ino_t kFileIno = 2;
constexpr const char* kFileName = "file";
constexpr off_t kFileSize = 1 << 20;

fuse_session* session;

// One blocked request; the interrupt callback and the request's own thread
// meet here.
struct Blocked {
    std::mutex mutex;
    std::condition_variable changed;
    bool interrupted = false;
};

void on_interrupt(fuse_req_t, void* data) {
    auto* blocked = static_cast<Blocked*>(data);
    {
        std::lock_guard lock(blocked->mutex);
        blocked->interrupted = true;
    }
    blocked->changed.notify_all();
}

void say(const char* what) {
    std::printf("%s\n", what);
    std::fflush(stdout);
}

// Waits until the request is interrupted (true) or the session ends.
bool block_until_interrupted(fuse_req_t req, const char* what) {
    Blocked blocked;
    fuse_req_interrupt_func(req, on_interrupt, &blocked);
    std::printf("blocked %s\n", what);
    std::fflush(stdout);
    {
        std::unique_lock lock(blocked.mutex);
        while (!blocked.interrupted && !fuse_session_exited(session)) {
            blocked.changed.wait_for(lock, std::chrono::milliseconds(200));
        }
    }
    // Unregistered before blocked goes away (serialised with the callback).
    fuse_req_interrupt_func(req, nullptr, nullptr);
    std::printf("%s %s\n", blocked.interrupted ? "interrupted" : "abandoned", what);
    std::fflush(stdout);
    return blocked.interrupted;
}

bool stat_of(fuse_ino_t ino, struct stat* st) {
    *st = {};
    st->st_ino = ino;
    if (ino == FUSE_ROOT_ID) {
        st->st_mode = S_IFDIR | 0777;
        st->st_nlink = 2;
    } else if (ino == kFileIno) {
        st->st_mode = S_IFREG | 0666;
        st->st_nlink = 1;
        st->st_size = kFileSize;
    } else {
        return false;
    }
    return true;
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    fuse_entry_param e{};
    if (parent != FUSE_ROOT_ID || std::strcmp(name, kFileName) != 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    e.ino = kFileIno;
    stat_of(kFileIno, &e.attr);
    fuse_reply_entry(req, &e);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
    struct stat st;
    if (!stat_of(ino, &st)) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    fuse_reply_attr(req, &st, 0);
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    if (ino != kFileIno) {
        fuse_reply_err(req, EISDIR);
        return;
    }
    fi->direct_io = 1; // every read reaches us, none is served from a cache
    fuse_reply_open(req, fi);
}

void op_read(fuse_req_t req, fuse_ino_t, size_t, off_t, fuse_file_info*) {
    fuse_reply_err(req, block_until_interrupted(req, "read") ? EINTR : EIO);
}

void op_write(fuse_req_t req, fuse_ino_t, const char*, size_t, off_t, fuse_file_info*) {
    fuse_reply_err(req, block_until_interrupted(req, "write") ? EINTR : EIO);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
    if (ino != FUSE_ROOT_ID) {
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    char buf[256];
    size_t used = 0;
    if (off == 0) {
        struct stat st;
        stat_of(kFileIno, &st);
        used = fuse_add_direntry(req, buf, sizeof(buf), kFileName, &st, 1);
    }
    fuse_reply_buf(req, buf, used < size ? used : 0);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: slow-fs MOUNTPOINT\n");
        return 2;
    }
    fuse_lowlevel_ops ops{};
    ops.lookup = op_lookup;
    ops.getattr = op_getattr;
    ops.open = op_open;
    ops.read = op_read;
    ops.write = op_write;
    ops.readdir = op_readdir;
    // allow_other: vfsd reaches the mount from its own user namespace.
    char* fuse_argv[] = {argv[0], const_cast<char*>("-o"),
                         const_cast<char*>("allow_other,fsname=slow-fs"), nullptr};
    fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
    session = fuse_session_new(&args, &ops, sizeof(ops), nullptr);
    if (session == nullptr) {
        return 1;
    }
    int rc = 1;
    if (fuse_set_signal_handlers(session) == 0) {
        if (fuse_session_mount(session, argv[1]) == 0) {
            say("mounted");
            fuse_loop_config* config = fuse_loop_cfg_create();
            rc = fuse_session_loop_mt(session, config) == 0 ? 0 : 1;
            fuse_loop_cfg_destroy(config);
            fuse_session_unmount(session);
        }
        fuse_remove_signal_handlers(session);
    }
    fuse_session_destroy(session);
    return rc;
}
