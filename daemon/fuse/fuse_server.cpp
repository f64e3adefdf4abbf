#include "fuse/fuse_server.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <limits.h>
#include <limits>
#include <linux/limits.h>
#include <linux/virtio_fs.h>
#include <spdlog/spdlog.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace vfsd::fuse {

static_assert(FUSE_ROOT_ID == fs::kRootNode, "node ids pass through unchanged");

namespace {

constexpr std::size_t kMaxXattrSize = XATTR_SIZE_MAX;
constexpr std::size_t kMaxXattrNameSize = XATTR_NAME_MAX;
constexpr std::size_t kMaxReaddirSize = 1024 * 1024;
// major, minor, max_readahead, flags: what every protocol 7.x guest sends.
constexpr std::size_t kMinInitInSize = offsetof(fuse_init_in, flags) + sizeof(std::uint32_t);

// The capability word (include/uapi/linux/virtio_fs.h) in both INIT structs.
static_assert(sizeof(fuse_init_in) >= VTFS_INIT_EXT_OFFSET + sizeof(std::uint32_t));
static_assert(sizeof(fuse_init_out) >= VTFS_INIT_EXT_OFFSET + sizeof(std::uint32_t));

// Our guest module asks what vfsd can do beyond FUSE; the answer goes only
// to a guest that asked (the word is reserved for everyone else).
void answer_capabilities(const fuse_init_in& in, fuse_init_out& out) {
    std::uint32_t ask = 0;
    std::memcpy(&ask, reinterpret_cast<const char*>(&in) + VTFS_INIT_EXT_OFFSET, sizeof(ask));
    if (ask != VTFS_INIT_EXT_ASK) {
        return;
    }
    const std::uint32_t caps = VTFS_INIT_EXT_REPLY | VTFS_CAP_INTERRUPTS;
    std::memcpy(reinterpret_cast<char*>(&out) + VTFS_INIT_EXT_OFFSET, &caps, sizeof(caps));
}

std::size_t dirent_size(std::size_t namelen) {
    return FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
}

std::size_t direntplus_size(std::size_t namelen) {
    return FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + namelen);
}

// Reads a fixed in-struct; the request is malformed if it is shorter.
template <typename T> bool take(SpanReader& in, T& out) {
    return in.read(out);
}

// Decoding bounds a name only by the longest path; the file system answers
// names beyond NAME_MAX with ENAMETOOLONG, as Linux does (the guest's FUSE
// sends names of up to 1024 bytes).
constexpr std::size_t kWireNameMax = PATH_MAX;

// A final name argument: NUL-terminated and the last bytes of the request.
std::optional<std::string> take_last_name(SpanReader& in, std::size_t max = kWireNameMax) {
    auto name = in.read_string(max);
    if (!name || in.remaining() != 0) {
        return std::nullopt;
    }
    return name;
}

void reply_status(Reply& reply, int err) {
    if (err != 0) {
        reply.error(err);
    } else {
        reply.ok();
    }
}

} // namespace

const char* opcode_name(std::uint32_t opcode) {
    switch (opcode) {
    case FUSE_LOOKUP:
        return "LOOKUP";
    case FUSE_FORGET:
        return "FORGET";
    case FUSE_GETATTR:
        return "GETATTR";
    case FUSE_SETATTR:
        return "SETATTR";
    case FUSE_READLINK:
        return "READLINK";
    case FUSE_SYMLINK:
        return "SYMLINK";
    case FUSE_MKNOD:
        return "MKNOD";
    case FUSE_MKDIR:
        return "MKDIR";
    case FUSE_UNLINK:
        return "UNLINK";
    case FUSE_RMDIR:
        return "RMDIR";
    case FUSE_RENAME:
        return "RENAME";
    case FUSE_LINK:
        return "LINK";
    case FUSE_OPEN:
        return "OPEN";
    case FUSE_READ:
        return "READ";
    case FUSE_WRITE:
        return "WRITE";
    case FUSE_STATFS:
        return "STATFS";
    case FUSE_RELEASE:
        return "RELEASE";
    case FUSE_FSYNC:
        return "FSYNC";
    case FUSE_SETXATTR:
        return "SETXATTR";
    case FUSE_GETXATTR:
        return "GETXATTR";
    case FUSE_LISTXATTR:
        return "LISTXATTR";
    case FUSE_REMOVEXATTR:
        return "REMOVEXATTR";
    case FUSE_FLUSH:
        return "FLUSH";
    case FUSE_INIT:
        return "INIT";
    case FUSE_OPENDIR:
        return "OPENDIR";
    case FUSE_READDIR:
        return "READDIR";
    case FUSE_RELEASEDIR:
        return "RELEASEDIR";
    case FUSE_FSYNCDIR:
        return "FSYNCDIR";
    case FUSE_GETLK:
        return "GETLK";
    case FUSE_SETLK:
        return "SETLK";
    case FUSE_SETLKW:
        return "SETLKW";
    case FUSE_ACCESS:
        return "ACCESS";
    case FUSE_CREATE:
        return "CREATE";
    case FUSE_INTERRUPT:
        return "INTERRUPT";
    case FUSE_BMAP:
        return "BMAP";
    case FUSE_DESTROY:
        return "DESTROY";
    case FUSE_IOCTL:
        return "IOCTL";
    case FUSE_POLL:
        return "POLL";
    case FUSE_NOTIFY_REPLY:
        return "NOTIFY_REPLY";
    case FUSE_BATCH_FORGET:
        return "BATCH_FORGET";
    case FUSE_FALLOCATE:
        return "FALLOCATE";
    case FUSE_READDIRPLUS:
        return "READDIRPLUS";
    case FUSE_RENAME2:
        return "RENAME2";
    case FUSE_LSEEK:
        return "LSEEK";
    case FUSE_COPY_FILE_RANGE:
        return "COPY_FILE_RANGE";
    case FUSE_SETUPMAPPING:
        return "SETUPMAPPING";
    case FUSE_REMOVEMAPPING:
        return "REMOVEMAPPING";
    case FUSE_SYNCFS:
        return "SYNCFS";
    case FUSE_TMPFILE:
        return "TMPFILE";
    default:
        return "UNKNOWN";
    }
}

void fill_fuse_attr(fuse_attr& a, const struct stat& st, const fs::IdTranslation& ids) {
    a = {};
    a.ino = st.st_ino;
    a.size = static_cast<std::uint64_t>(st.st_size);
    a.blocks = static_cast<std::uint64_t>(st.st_blocks);
    a.atime = static_cast<std::uint64_t>(st.st_atim.tv_sec);
    a.mtime = static_cast<std::uint64_t>(st.st_mtim.tv_sec);
    a.ctime = static_cast<std::uint64_t>(st.st_ctim.tv_sec);
    a.atimensec = static_cast<std::uint32_t>(st.st_atim.tv_nsec);
    a.mtimensec = static_cast<std::uint32_t>(st.st_mtim.tv_nsec);
    a.ctimensec = static_cast<std::uint32_t>(st.st_ctim.tv_nsec);
    a.mode = st.st_mode;
    a.nlink = static_cast<std::uint32_t>(st.st_nlink);
    a.uid = ids.uids.to_guest(st.st_uid);
    a.gid = ids.gids.to_guest(st.st_gid);
    a.rdev = static_cast<std::uint32_t>(st.st_rdev);
    a.blksize = static_cast<std::uint32_t>(st.st_blksize);
}

FuseServer::FuseServer(fs::FileSystem& fs, FuseServerOptions options)
    : fs_(fs), options_(options) {}

void FuseServer::handle(vhost::Request request) {
    SpanReader in(request.readable());
    fuse_in_header h{};
    if (!in.read(h)) {
        spdlog::warn("fuse: request shorter than its header ({} bytes), dropped",
                     request.readable_size());
        request.complete(0);
        return;
    }
    Reply reply(request, h.unique);
    spdlog::trace("fuse: {} unique {} node {} len {}", opcode_name(h.opcode), h.unique, h.nodeid,
                  h.len);
    if (request.unreachable_bytes() != 0) {
        // A buffer outside guest RAM: typically a guest read()/write() whose
        // user buffer is an mmap of a DAX file, i.e. pages in the DAX window,
        // which is not in the memory table.  Fail it rather than guess.
        spdlog::warn("fuse: {} unique {}: {} bytes of its buffers lie outside guest RAM (DAX "
                     "window?), failing with EFAULT",
                     opcode_name(h.opcode), h.unique, request.unreachable_bytes());
        return reply.error(EFAULT);
    }
    if (h.len != request.readable_size()) {
        spdlog::warn("fuse: {} says {} bytes but carries {}", opcode_name(h.opcode), h.len,
                     request.readable_size());
        if (h.opcode == FUSE_FORGET || h.opcode == FUSE_BATCH_FORGET ||
            h.opcode == FUSE_INTERRUPT) {
            reply.none();
        } else {
            reply.error(EINVAL);
        }
        return;
    }
    try {
        if (request.replayed()) {
            dispatch_replayed(h, in, reply, request);
        } else {
            dispatch(h, in, reply, request);
        }
    } catch (const std::bad_alloc&) {
        if (!reply.done()) {
            reply.error(ENOMEM);
        }
    }
}

void FuseServer::dispatch(const fuse_in_header& h, In& in, Reply& reply, vhost::Request& request) {
    if (h.opcode == FUSE_INIT) {
        op_init(h, in, reply);
        return;
    }
    if (!initialized_) {
        if (h.opcode == FUSE_FORGET || h.opcode == FUSE_BATCH_FORGET) {
            reply.none();
        } else {
            reply.error(EIO);
        }
        return;
    }
    switch (h.opcode) {
    case FUSE_DESTROY:
        return op_destroy(reply);
    case FUSE_LOOKUP:
        return op_lookup(h, in, reply);
    case FUSE_FORGET:
        return op_forget(h, in, reply);
    case FUSE_BATCH_FORGET:
        return op_batch_forget(in, reply);
    case FUSE_GETATTR:
        return op_getattr(h, in, reply);
    case FUSE_SETATTR:
        return op_setattr(h, in, reply);
    case FUSE_READLINK:
        return op_readlink(h, in, reply);
    case FUSE_SYMLINK:
        return op_symlink(h, in, reply);
    case FUSE_MKNOD:
        return op_mknod(h, in, reply);
    case FUSE_MKDIR:
        return op_mkdir(h, in, reply);
    case FUSE_UNLINK:
        return op_unlink(h, in, reply, false);
    case FUSE_RMDIR:
        return op_unlink(h, in, reply, true);
    case FUSE_RENAME:
        return op_rename(h, in, reply, false);
    case FUSE_RENAME2:
        return op_rename(h, in, reply, true);
    case FUSE_LINK:
        return op_link(h, in, reply);
    case FUSE_OPEN:
        return op_open(h, in, reply, false);
    case FUSE_OPENDIR:
        return op_open(h, in, reply, true);
    case FUSE_CREATE:
        return op_create(h, in, reply);
    case FUSE_READ:
        return op_read(h, in, reply);
    case FUSE_WRITE:
        return op_write(h, in, reply);
    case FUSE_RELEASE:
        return op_release(in, reply, false);
    case FUSE_RELEASEDIR:
        return op_release(in, reply, true);
    case FUSE_FLUSH:
        return op_flush(in, reply);
    case FUSE_FSYNC:
        return op_fsync(in, reply, false);
    case FUSE_FSYNCDIR:
        return op_fsync(in, reply, true);
    case FUSE_READDIR:
        return op_readdir(in, reply, false);
    case FUSE_READDIRPLUS:
        return op_readdir(in, reply, true);
    case FUSE_STATFS:
        return op_statfs(h, in, reply);
    case FUSE_SETXATTR:
        return op_setxattr(h, in, reply);
    case FUSE_GETXATTR:
        return op_getxattr(h, in, reply, false);
    case FUSE_LISTXATTR:
        return op_getxattr(h, in, reply, true);
    case FUSE_REMOVEXATTR:
        return op_removexattr(h, in, reply);
    case FUSE_ACCESS:
        return op_access(h, in, reply);
    case FUSE_FALLOCATE:
        return op_fallocate(in, reply);
    case FUSE_LSEEK:
        return op_lseek(in, reply);
    case FUSE_COPY_FILE_RANGE:
        return op_copy_file_range(in, reply);
    case FUSE_SYNCFS:
        return op_syncfs(h, in, reply);
    case FUSE_SETUPMAPPING:
        return op_setupmapping(h, in, reply);
    case FUSE_REMOVEMAPPING:
        return op_removemapping(in, reply);
    case FUSE_GETLK:
        return op_getlk(in, reply);
    case FUSE_SETLK:
        return op_setlk(h, in, reply, request, false);
    case FUSE_SETLKW:
        return op_setlk(h, in, reply, request, true);
    case FUSE_INTERRUPT:
        return op_interrupt(in, reply);
    default:
        // ioctl, poll, bmap, tmpfile: not supported.
        spdlog::debug("fuse: {} ({}) not implemented", opcode_name(h.opcode), h.opcode);
        return reply.error(ENOSYS);
    }
}

void FuseServer::op_init(const fuse_in_header&, In& in, Reply& reply) {
    fuse_init_in arg{};
    // Older guests send a shorter struct; the fields they omit read as zero.
    if (in.remaining() < kMinInitInSize) {
        return reply.error(EINVAL);
    }
    in.read_up_to(&arg, in.remaining(), sizeof(arg));
    spdlog::info("fuse: INIT from guest protocol {}.{}, flags {:#x}", arg.major, arg.minor,
                 arg.flags);
    fuse_init_out out{};
    out.major = FUSE_KERNEL_VERSION;
    out.minor = FUSE_KERNEL_MINOR_VERSION;
    if (arg.major < 7) {
        return reply.error(EPROTO);
    }
    if (arg.major > 7) {
        // The guest retries with our major version.
        reply.bytes(&out, FUSE_COMPAT_INIT_OUT_SIZE);
        return;
    }
    std::uint32_t wanted = FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_EXPORT_SUPPORT |
                           FUSE_BIG_WRITES | FUSE_PARALLEL_DIROPS | FUSE_ASYNC_DIO |
                           FUSE_MAX_PAGES | FUSE_POSIX_LOCKS | FUSE_FLOCK_LOCKS;
    if (options_.readdirplus) {
        wanted |= FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO;
    }
    if (options_.cache.writeback) {
        wanted |= FUSE_WRITEBACK_CACHE;
    }
    if (dax_possible()) {
        wanted |= FUSE_MAP_ALIGNMENT;
    }
    out.flags = arg.flags & wanted;
    if (out.flags & FUSE_MAP_ALIGNMENT) {
        out.map_alignment = kMapAlignmentLog2;
    }
    out.max_readahead = arg.max_readahead;
    out.max_write = options_.max_write;
    out.max_background = 64;
    out.congestion_threshold = 48;
    out.time_gran = 1;
    out.max_pages = static_cast<std::uint16_t>(options_.max_write / 4096);
    answer_capabilities(arg, out);
    spdlog::info("fuse: INIT reply flags {:#x}, max_write {}", out.flags, out.max_write);
    if (initialized_) {
        // A new session without DESTROY (guest reset): old node ids are void.
        end_session();
    }
    initialized_ = true;
    record_session(true);
    if (arg.minor < 5) {
        reply.bytes(&out, FUSE_COMPAT_INIT_OUT_SIZE);
        return;
    }
    if (arg.minor < 23) {
        reply.bytes(&out, FUSE_COMPAT_22_INIT_OUT_SIZE);
        return;
    }
    reply.ok(out);
}

void FuseServer::op_destroy(Reply& reply) {
    spdlog::info("fuse: DESTROY");
    initialized_ = false;
    end_session();
    record_session(false);
    reply.ok();
}

void FuseServer::fill_attr_out(fuse_attr_out& out, const struct stat& st) const {
    out = {};
    out.attr_valid = options_.cache.attr_timeout_sec;
    fill_fuse_attr(out.attr, st, options_.ids);
}

void FuseServer::fill_entry(fuse_entry_out& out, const fs::Entry& entry) const {
    out = {};
    out.nodeid = entry.node;
    out.generation = entry.generation;
    out.entry_valid = options_.cache.entry_timeout_sec;
    out.attr_valid = options_.cache.attr_timeout_sec;
    fill_fuse_attr(out.attr, entry.attr, options_.ids);
}

std::optional<fs::Caller> FuseServer::caller_of(const fuse_in_header& h) const {
    const auto uid = options_.ids.uids.to_host(h.uid);
    const auto gid = options_.ids.gids.to_host(h.gid);
    if (!uid || !gid) {
        return std::nullopt;
    }
    return fs::Caller{*uid, *gid, static_cast<pid_t>(h.pid)};
}

void FuseServer::reply_entry(Reply& reply, const fs::Result<fs::Entry>& entry) {
    if (!entry.ok()) {
        return reply.error(entry.error());
    }
    fuse_entry_out out;
    fill_entry(out, entry.value());
    if (!reply.ok(out)) {
        fs_.forget(entry.value().node, 1); // the guest never saw the reference
    }
}

void FuseServer::op_lookup(const fuse_in_header& h, In& in, Reply& reply) {
    auto name = take_last_name(in);
    if (!name) {
        return reply.error(EINVAL);
    }
    reply_entry(reply, fs_.lookup(h.nodeid, *name));
}

void FuseServer::op_forget(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_forget_in arg;
    if (take(in, arg)) {
        fs_.forget(h.nodeid, arg.nlookup);
    }
    reply.none();
}

void FuseServer::op_batch_forget(In& in, Reply& reply) {
    fuse_batch_forget_in arg;
    if (take(in, arg)) {
        // Only as many entries as are really there, whatever count says.
        for (std::uint32_t i = 0; i < arg.count; ++i) {
            fuse_forget_one one;
            if (!take(in, one)) {
                break;
            }
            fs_.forget(one.nodeid, one.nlookup);
        }
    }
    reply.none();
}

void FuseServer::op_getattr(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_getattr_in arg{};
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    std::optional<fs::HandleId> handle;
    if (arg.getattr_flags & FUSE_GETATTR_FH) {
        handle = arg.fh;
    }
    auto st = fs_.getattr(h.nodeid, handle);
    if (!st.ok()) {
        return reply.error(st.error());
    }
    fuse_attr_out out;
    fill_attr_out(out, *st);
    reply.ok(out);
}

void FuseServer::op_setattr(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_setattr_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    fs::AttrChange change;
    if (arg.valid & FATTR_MODE) {
        change.mode = arg.mode;
    }
    if ((arg.valid & FATTR_UID) && !(change.uid = options_.ids.uids.to_host(arg.uid))) {
        return reply.error(EPERM);
    }
    if ((arg.valid & FATTR_GID) && !(change.gid = options_.ids.gids.to_host(arg.gid))) {
        return reply.error(EPERM);
    }
    if (arg.valid & FATTR_SIZE) {
        if (arg.size > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
            return reply.error(EFBIG);
        }
        change.size = static_cast<off_t>(arg.size);
    }
    if (arg.valid & FATTR_ATIME) {
        change.atime_change =
            (arg.valid & FATTR_ATIME_NOW) ? fs::AttrChange::Time::Now : fs::AttrChange::Time::Set;
        change.atime = {static_cast<time_t>(arg.atime), static_cast<long>(arg.atimensec)};
    }
    if (arg.valid & FATTR_MTIME) {
        change.mtime_change =
            (arg.valid & FATTR_MTIME_NOW) ? fs::AttrChange::Time::Now : fs::AttrChange::Time::Set;
        change.mtime = {static_cast<time_t>(arg.mtime), static_cast<long>(arg.mtimensec)};
    }
    if (arg.valid & FATTR_FH) {
        change.handle = arg.fh;
    }
    auto st = fs_.setattr(h.nodeid, change);
    if (!st.ok()) {
        return reply.error(st.error());
    }
    fuse_attr_out out;
    fill_attr_out(out, *st);
    reply.ok(out);
}

void FuseServer::op_readlink(const fuse_in_header& h, In&, Reply& reply) {
    auto target = fs_.readlink(h.nodeid);
    if (!target.ok()) {
        return reply.error(target.error());
    }
    reply.bytes(target->data(), target->size());
}

void FuseServer::op_symlink(const fuse_in_header& h, In& in, Reply& reply) {
    auto name = in.read_string(kWireNameMax);
    auto target = name ? take_last_name(in, PATH_MAX - 1) : std::nullopt;
    if (!target) {
        return reply.error(EINVAL);
    }
    const auto caller = caller_of(h);
    if (!caller) {
        return reply.error(EPERM);
    }
    reply_entry(reply, fs_.symlink(h.nodeid, *name, *target, *caller));
}

void FuseServer::op_mknod(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_mknod_in arg;
    std::optional<std::string> name;
    if (!take(in, arg) || !(name = take_last_name(in))) {
        return reply.error(EINVAL);
    }
    const auto caller = caller_of(h);
    if (!caller) {
        return reply.error(EPERM);
    }
    reply_entry(reply, fs_.mknod(h.nodeid, *name, arg.mode, arg.rdev, *caller));
}

void FuseServer::op_mkdir(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_mkdir_in arg;
    std::optional<std::string> name;
    if (!take(in, arg) || !(name = take_last_name(in))) {
        return reply.error(EINVAL);
    }
    const auto caller = caller_of(h);
    if (!caller) {
        return reply.error(EPERM);
    }
    reply_entry(reply, fs_.mkdir(h.nodeid, *name, arg.mode, *caller));
}

void FuseServer::op_unlink(const fuse_in_header& h, In& in, Reply& reply, bool dir) {
    auto name = take_last_name(in);
    if (!name) {
        return reply.error(EINVAL);
    }
    const int err = dir ? fs_.rmdir(h.nodeid, *name) : fs_.unlink(h.nodeid, *name);
    reply_status(reply, err);
}

void FuseServer::op_rename(const fuse_in_header& h, In& in, Reply& reply, bool v2) {
    std::uint64_t new_dir = 0;
    std::uint32_t flags = 0;
    if (v2) {
        fuse_rename2_in arg;
        if (!take(in, arg)) {
            return reply.error(EINVAL);
        }
        new_dir = arg.newdir;
        flags = arg.flags;
    } else {
        fuse_rename_in arg;
        if (!take(in, arg)) {
            return reply.error(EINVAL);
        }
        new_dir = arg.newdir;
    }
    auto old_name = in.read_string(kWireNameMax);
    auto new_name = old_name ? take_last_name(in) : std::nullopt;
    if (!new_name) {
        return reply.error(EINVAL);
    }
    const int err = fs_.rename(h.nodeid, *old_name, new_dir, *new_name, flags);
    reply_status(reply, err);
}

void FuseServer::op_link(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_link_in arg;
    std::optional<std::string> name;
    if (!take(in, arg) || !(name = take_last_name(in))) {
        return reply.error(EINVAL);
    }
    reply_entry(reply, fs_.link(arg.oldnodeid, h.nodeid, *name));
}

void FuseServer::op_open(const fuse_in_header& h, In& in, Reply& reply, bool dir) {
    fuse_open_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    auto handle = dir ? fs_.opendir(h.nodeid) : fs_.open(h.nodeid, static_cast<int>(arg.flags));
    if (!handle.ok()) {
        return reply.error(handle.error());
    }
    fuse_open_out out{};
    out.fh = *handle;
    out.open_flags = dir ? options_.cache.dir_open_flags : options_.cache.file_open_flags;
    reply.ok(out);
}

void FuseServer::op_create(const fuse_in_header& h, In& in, Reply& reply, int drop_flags) {
    fuse_create_in arg;
    std::optional<std::string> name;
    if (!take(in, arg) || !(name = take_last_name(in))) {
        return reply.error(EINVAL);
    }
    const auto caller = caller_of(h);
    if (!caller) {
        return reply.error(EPERM);
    }
    auto created =
        fs_.create(h.nodeid, *name, static_cast<int>(arg.flags) & ~drop_flags, arg.mode, *caller);
    if (!created.ok()) {
        return reply.error(created.error());
    }
    fuse_entry_out entry;
    fill_entry(entry, created->first);
    fuse_open_out open{};
    open.fh = created->second;
    open.open_flags = options_.cache.file_open_flags;
    if (!reply.ok(entry, open)) {
        fs_.release(created->second);
        fs_.forget(created->first.node, 1);
    }
}

void FuseServer::op_read(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_read_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    if (arg.offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
        return reply.error(EINVAL);
    }
    const std::size_t size =
        std::min<std::size_t>({arg.size, reply.payload_capacity(), options_.max_write});
    auto spans = reply.payload_spans(size);
    if (!spans) {
        return reply.error(EIO);
    }
    // Read straight into guest memory.
    auto n = file_io(h.unique, arg.fh,
                     [&] { return fs_.read(arg.fh, *spans, static_cast<off_t>(arg.offset)); });
    if (!n.ok()) {
        return reply.error(n.error());
    }
    reply.payload_written(*n);
}

void FuseServer::op_write(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_write_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    if (arg.size != in.remaining() || arg.size > options_.max_write ||
        arg.offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
        return reply.error(EINVAL);
    }
    auto spans = in.take_spans(arg.size);
    if (!spans) {
        return reply.error(EINVAL);
    }
    auto n = file_io(h.unique, arg.fh,
                     [&] { return fs_.write(arg.fh, *spans, static_cast<off_t>(arg.offset)); });
    if (!n.ok()) {
        return reply.error(n.error());
    }
    fuse_write_out out{};
    out.size = static_cast<std::uint32_t>(*n);
    reply.ok(out);
}

void FuseServer::op_release(In& in, Reply& reply, bool dir) {
    fuse_release_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    if (!dir && (arg.release_flags & FUSE_RELEASE_FLOCK_UNLOCK)) {
        fs_.flock(arg.fh, fs::FlockOp::Unlock, false);
    }
    const int err = dir ? fs_.releasedir(arg.fh) : fs_.release(arg.fh);
    reply_status(reply, err);
}

void FuseServer::op_flush(In& in, Reply& reply) {
    fuse_flush_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    // POSIX: closing any descriptor of a file drops the process's locks on it.
    fs_.release_posix_locks(arg.fh, arg.lock_owner);
    const int err = fs_.flush(arg.fh);
    reply_status(reply, err);
}

void FuseServer::op_fsync(In& in, Reply& reply, bool dir) {
    fuse_fsync_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    const bool datasync = (arg.fsync_flags & 1) != 0;
    const int err = dir ? fs_.fsyncdir(arg.fh, datasync) : fs_.fsync(arg.fh, datasync);
    reply_status(reply, err);
}

void FuseServer::op_readdir(In& in, Reply& reply, bool plus) {
    fuse_read_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    const std::size_t size =
        std::min<std::size_t>({arg.size, reply.payload_capacity(), kMaxReaddirSize});
    std::vector<std::uint8_t> buffer;
    buffer.reserve(size);
    auto emit = [&](const fs::DirEntry& de, const fs::Entry* entry) {
        const std::size_t entry_size =
            plus ? direntplus_size(de.name.size()) : dirent_size(de.name.size());
        if (buffer.size() + entry_size > size) {
            return false;
        }
        const std::size_t at = buffer.size();
        buffer.resize(at + entry_size, 0);
        fuse_dirent dirent{};
        dirent.ino = de.ino;
        dirent.off = de.next_offset;
        dirent.namelen = static_cast<std::uint32_t>(de.name.size());
        dirent.type = de.type;
        std::size_t dirent_at = at;
        if (plus) {
            fuse_entry_out out;
            fill_entry(out, *entry);
            if (entry->node == 0) {
                // "." and "..": attributes only, no reference and no caching.
                out.entry_valid = 0;
                out.attr_valid = 0;
            }
            std::memcpy(buffer.data() + at, &out, sizeof(out));
            dirent_at += sizeof(out);
        }
        std::memcpy(buffer.data() + dirent_at, &dirent, FUSE_NAME_OFFSET);
        std::memcpy(buffer.data() + dirent_at + FUSE_NAME_OFFSET, de.name.data(), de.name.size());
        return true;
    };
    const int err = fs_.readdir(arg.fh, arg.offset, plus, emit);
    if (err != 0 && buffer.empty()) {
        return reply.error(err);
    }
    reply.bytes(buffer.data(), buffer.size());
}

void FuseServer::op_statfs(const fuse_in_header& h, In&, Reply& reply) {
    auto st = fs_.statfs(h.nodeid);
    if (!st.ok()) {
        return reply.error(st.error());
    }
    fuse_statfs_out out{};
    out.st.blocks = st->blocks;
    out.st.bfree = st->bfree;
    out.st.bavail = st->bavail;
    out.st.files = st->files;
    out.st.ffree = st->ffree;
    out.st.bsize = st->bsize;
    out.st.namelen = st->namelen;
    out.st.frsize = st->frsize;
    reply.ok(out);
}

void FuseServer::op_setxattr(const fuse_in_header& h, In& in, Reply& reply) {
    // Without FUSE_SETXATTR_EXT in INIT the guest sends the short struct.
    fuse_setxattr_in arg{};
    if (!in.read(&arg, FUSE_COMPAT_SETXATTR_IN_SIZE)) {
        return reply.error(EINVAL);
    }
    auto name = in.read_string(kMaxXattrNameSize);
    if (!name || arg.size != in.remaining() || arg.size > kMaxXattrSize) {
        return reply.error(EINVAL);
    }
    if (options_.ids.refuses_xattr(*name)) {
        return reply.error(EOPNOTSUPP);
    }
    std::vector<char> value(arg.size);
    in.read(value.data(), value.size());
    const int err = fs_.setxattr(h.nodeid, *name, value, static_cast<int>(arg.flags));
    reply_status(reply, err);
}

void FuseServer::op_getxattr(const fuse_in_header& h, In& in, Reply& reply, bool list) {
    fuse_getxattr_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    std::optional<std::string> name;
    if (!list && !(name = take_last_name(in, kMaxXattrNameSize))) {
        return reply.error(EINVAL);
    }
    if (list && in.remaining() != 0) {
        return reply.error(EINVAL);
    }
    if (name && options_.ids.refuses_xattr(*name)) {
        return reply.error(EOPNOTSUPP);
    }
    std::vector<char> value(std::min<std::size_t>(arg.size, kMaxXattrSize));
    if (arg.size > 0 && value.size() > reply.payload_capacity()) {
        return reply.error(ERANGE);
    }
    auto n = list ? fs_.listxattr(h.nodeid, value) : fs_.getxattr(h.nodeid, *name, value);
    if (!n.ok()) {
        return reply.error(n.error());
    }
    if (arg.size == 0) {
        fuse_getxattr_out out{};
        out.size = static_cast<std::uint32_t>(*n);
        reply.ok(out);
        return;
    }
    reply.bytes(value.data(), *n);
}

void FuseServer::op_removexattr(const fuse_in_header& h, In& in, Reply& reply) {
    auto name = take_last_name(in, kMaxXattrNameSize);
    if (!name) {
        return reply.error(EINVAL);
    }
    const int err = fs_.removexattr(h.nodeid, *name);
    reply_status(reply, err);
}

void FuseServer::op_access(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_access_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    const int err = fs_.access(h.nodeid, static_cast<int>(arg.mask));
    reply_status(reply, err);
}

void FuseServer::op_fallocate(In& in, Reply& reply) {
    fuse_fallocate_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    const int err = fs_.fallocate(arg.fh, static_cast<int>(arg.mode),
                                  static_cast<off_t>(arg.offset), static_cast<off_t>(arg.length));
    reply_status(reply, err);
}

void FuseServer::op_lseek(In& in, Reply& reply) {
    fuse_lseek_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    auto off = fs_.lseek(arg.fh, static_cast<off_t>(arg.offset), static_cast<int>(arg.whence));
    if (!off.ok()) {
        return reply.error(off.error());
    }
    fuse_lseek_out out{};
    out.offset = static_cast<std::uint64_t>(*off);
    reply.ok(out);
}

void FuseServer::op_copy_file_range(In& in, Reply& reply) {
    fuse_copy_file_range_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    auto n = fs_.copy_file_range(arg.fh_in, static_cast<off_t>(arg.off_in), arg.fh_out,
                                 static_cast<off_t>(arg.off_out), arg.len,
                                 static_cast<unsigned>(arg.flags));
    if (!n.ok()) {
        return reply.error(n.error());
    }
    fuse_write_out out{};
    out.size = static_cast<std::uint32_t>(std::min<std::size_t>(*n, UINT32_MAX));
    reply.ok(out);
}

void FuseServer::op_syncfs(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_syncfs_in arg;
    if (!take(in, arg)) {
        return reply.error(EINVAL);
    }
    const int err = fs_.syncfs(h.nodeid);
    reply_status(reply, err);
}

} // namespace vfsd::fuse

namespace vfsd::fuse {

bool FuseServer::dax_possible() const {
    return options_.dax != nullptr && options_.dax->available();
}

void FuseServer::op_setupmapping(const fuse_in_header& h, In& in, Reply& reply) {
    fuse_setupmapping_in arg{};
    if (!take(in, arg) || in.remaining() != 0 || check_setupmapping(arg) != 0) {
        spdlog::warn("fuse: SETUPMAPPING unique {}: malformed (fh {:#x} foffset {:#x} len {:#x} "
                     "flags {:#x} moffset {:#x})",
                     h.unique, arg.fh, arg.foffset, arg.len, arg.flags, arg.moffset);
        return reply.error(EINVAL);
    }
    if (!dax_possible()) {
        return reply.error(ENOSYS);
    }
    const bool writable = (arg.flags & FUSE_SETUPMAPPING_FLAG_WRITE) != 0;
    std::optional<fs::HandleId> handle;
    if (arg.fh != kNoHandle) {
        handle = arg.fh;
    }
    auto fd = fs_.mapping_fd(h.nodeid, handle, writable);
    if (!fd.ok()) {
        return reply.error(fd.error());
    }
    const int err = options_.dax->map(fd->get(), arg.foffset, arg.moffset, arg.len, writable);
    if (err == 0) {
        dax_ranges_.add(arg.moffset, arg.len);
    }
    spdlog::trace("fuse: SETUPMAPPING node {} file {:#x} -> window {:#x}+{:#x} {}: {}", h.nodeid,
                  arg.foffset, arg.moffset, arg.len, writable ? "rw" : "ro", err);
    reply_status(reply, err);
}

void FuseServer::op_removemapping(In& in, Reply& reply) {
    auto ranges = decode_removemapping(in);
    if (!ranges) {
        spdlog::warn("fuse: REMOVEMAPPING malformed");
        return reply.error(EINVAL);
    }
    if (!dax_possible()) {
        return reply.error(ENOSYS);
    }
    int first_error = 0;
    for (const auto& one : *ranges) {
        const int err = options_.dax->unmap(one.moffset, one.len);
        if (err == 0) {
            dax_ranges_.remove(one.moffset, one.len);
        } else if (first_error == 0) {
            first_error = err;
        }
    }
    reply_status(reply, first_error);
}

// The session ends: nothing of the old session may stay visible in the window.
void FuseServer::unmap_all() {
    auto ranges = dax_ranges_.take_all();
    if (ranges.empty() || !dax_possible()) {
        return;
    }
    spdlog::info("fuse: unmapping {} DAX window range(s)", ranges.size());
    for (const auto& [offset, length] : ranges) {
        if (options_.dax->unmap(offset, length) != 0) {
            spdlog::warn("fuse: could not unmap window {:#x}+{:#x}", offset, length);
        }
    }
}

} // namespace vfsd::fuse
