// FuseServer: GETLK, SETLK, SETLKW (POSIX and flock) and INTERRUPT.

#include "fuse/fuse_server.hpp"

#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <memory>
#include <optional>
#include <spdlog/spdlog.h>

namespace vfsd::fuse {

namespace {

constexpr std::uint64_t kMaxOffset = static_cast<std::uint64_t>(std::numeric_limits<off_t>::max());

// The wire's inclusive [start, end] (end OFFSET_MAX: to the end of file).
std::optional<fs::LockRange> decode_lock(const fuse_file_lock& lk) {
    if (lk.start > kMaxOffset || lk.end > kMaxOffset || lk.end < lk.start) {
        return std::nullopt;
    }
    if (lk.type != F_RDLCK && lk.type != F_WRLCK && lk.type != F_UNLCK) {
        return std::nullopt;
    }
    fs::LockRange range;
    range.type = static_cast<int>(lk.type);
    range.start = static_cast<off_t>(lk.start);
    range.end = static_cast<off_t>(lk.end);
    range.pid = static_cast<pid_t>(lk.pid);
    return range;
}

fs::FlockOp flock_op(int type) {
    return type == F_RDLCK   ? fs::FlockOp::Shared
           : type == F_WRLCK ? fs::FlockOp::Exclusive
                             : fs::FlockOp::Unlock;
}

void answer(Reply& reply, int err) {
    if (err != 0) {
        reply.error(err);
    } else {
        reply.ok();
    }
}

} // namespace

void FuseServer::op_getlk(In& in, Reply& reply) {
    fuse_lk_in arg;
    if (!in.read(arg)) {
        return reply.error(EINVAL);
    }
    auto range = decode_lock(arg.lk);
    if (!range || range->type == F_UNLCK || (arg.lk_flags & FUSE_LK_FLOCK)) {
        return reply.error(EINVAL);
    }
    auto holder = fs_.getlk(arg.fh, arg.owner, *range);
    if (!holder.ok()) {
        return reply.error(holder.error());
    }
    fuse_lk_out out{};
    out.lk.type = static_cast<std::uint32_t>(holder->type);
    out.lk.start = static_cast<std::uint64_t>(holder->start);
    out.lk.end = static_cast<std::uint64_t>(holder->end);
    out.lk.pid = static_cast<std::uint32_t>(holder->pid);
    reply.ok(out);
}

// A conflicting SETLKW is first tried without waiting, on this worker; only
// a real wait moves the request (and its reply) to the lock waiter.
void FuseServer::op_setlk(const fuse_in_header& h, In& in, Reply& reply, vhost::Request& request,
                          bool wait) {
    fuse_lk_in arg;
    if (!in.read(arg)) {
        return reply.error(EINVAL);
    }
    auto range = decode_lock(arg.lk);
    if (!range) {
        return reply.error(EINVAL);
    }
    const bool is_flock = (arg.lk_flags & FUSE_LK_FLOCK) != 0;
    auto attempt = [this, fh = arg.fh, owner = arg.owner, lock = *range, is_flock](bool block) {
        return is_flock ? fs_.flock(fh, flock_op(lock.type), block)
                        : fs_.setlk(fh, owner, lock, block);
    };
    const int err = attempt(false);
    if (err != EAGAIN || !wait || range->type == F_UNLCK) {
        return answer(reply, err);
    }
    reply.handed_over();
    auto held = std::make_shared<vhost::Request>(std::move(request));
    const std::uint64_t unique = h.unique;
    const int refused = lock_waiter_.start(
        unique, [attempt] { return attempt(true); },
        [held, unique](int result) {
            Reply late(*held, unique);
            answer(late, result);
        });
    if (refused != 0) {
        Reply late(*held, unique);
        late.error(refused);
    }
}

// No reply, whatever happens: the high-priority queue carries none.  It
// cancels a lock wait or a READ/WRITE blocked on a slow host file; for a
// request that is not running (finished, or not yet here) it changes
// nothing but a note for the last case.
void FuseServer::op_interrupt(In& in, Reply& reply) {
    fuse_interrupt_in arg;
    if (in.read(arg)) {
        interrupts_.interrupt(arg.unique);
    }
    reply.none();
}

void FuseServer::release_held_requests() {
    lock_waiter_.cancel_all();
}

// Lock waits end before the file system forgets the files they wait on.
void FuseServer::end_session() {
    lock_waiter_.cancel_all();
    unmap_all();
    fs_.reset();
}

} // namespace vfsd::fuse
