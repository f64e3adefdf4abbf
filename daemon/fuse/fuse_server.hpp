#pragma once

#include "common/dax_mapper.hpp"
#include "fs/file_system.hpp"
#include "fs/id_map.hpp"
#include "fs/node_state_store.hpp"
#include "fuse/cache_policy.hpp"
#include "fuse/dax_ranges.hpp"
#include "fuse/interrupt_registry.hpp"
#include "fuse/lock_waiter.hpp"
#include "fuse/reply.hpp"
#include "fuse/span_reader.hpp"
#include "vhost/request.hpp"

#include <atomic>
#include <cstdint>
#include <linux/fuse.h>

namespace vfsd::fuse {

struct FuseServerOptions {
    CachePolicy cache;
    std::uint32_t max_write = 1024 * 1024;
    bool readdirplus = true;
    // Maps file ranges into the DAX window; null or unavailable: no DAX.
    DaxMapper* dax = nullptr;
    // Where the session is recorded for a restarted daemon; may be null.
    fs::NodeStateStore* state = nullptr;
    // Guest ids in requests to host ids, host ids in replies to guest ids.
    fs::IdTranslation ids;
};

// Decodes FUSE requests from transport requests, calls the file system and
// encodes the replies.  Every length in a request is checked against what the
// guest actually supplied; malformed requests get EINVAL, never a read or
// write outside the request's spans.
class FuseServer final : public vhost::RequestHandler {
public:
    FuseServer(fs::FileSystem& fs, FuseServerOptions options);

    void handle(vhost::Request request) override;
    // Which requests may block for long (fuse_server_blocking.cpp).
    bool may_block(const vhost::Request& request) override;
    // Lock waits hold their requests: a stopping queue needs them answered.
    void release_held_requests() override;

    bool initialized() const { return initialized_; }
    // Goes on with the session a killed predecessor recorded in the state
    // store, as if its FUSE_INIT had come here; false if there is none.  The
    // file system's nodes are restored separately, before any request.
    bool resume_session();

private:
    using In = SpanReader;
    void dispatch(const fuse_in_header& h, In& in, Reply& reply, vhost::Request& request);

    void op_init(const fuse_in_header& h, In& in, Reply& reply);
    void op_destroy(Reply& reply);
    void op_lookup(const fuse_in_header& h, In& in, Reply& reply);
    void op_forget(const fuse_in_header& h, In& in, Reply& reply);
    void op_batch_forget(In& in, Reply& reply);
    void op_getattr(const fuse_in_header& h, In& in, Reply& reply);
    void op_setattr(const fuse_in_header& h, In& in, Reply& reply);
    void op_readlink(const fuse_in_header& h, In& in, Reply& reply);
    void op_symlink(const fuse_in_header& h, In& in, Reply& reply);
    void op_mknod(const fuse_in_header& h, In& in, Reply& reply);
    void op_mkdir(const fuse_in_header& h, In& in, Reply& reply);
    void op_unlink(const fuse_in_header& h, In& in, Reply& reply, bool dir);
    void op_rename(const fuse_in_header& h, In& in, Reply& reply, bool v2);
    void op_link(const fuse_in_header& h, In& in, Reply& reply);
    void op_open(const fuse_in_header& h, In& in, Reply& reply, bool dir);
    // drop_flags: open flags not to pass on (a replayed CREATE drops O_EXCL).
    void op_create(const fuse_in_header& h, In& in, Reply& reply, int drop_flags = 0);
    void op_read(const fuse_in_header& h, In& in, Reply& reply);
    void op_write(const fuse_in_header& h, In& in, Reply& reply);
    // Runs io(), READ or WRITE unique on handle: through the interrupt
    // registry where it may block (a slow host file), else directly, as it
    // ends by itself and the registry costs two signal-mask calls.
    template <typename Io> auto file_io(std::uint64_t unique, fs::HandleId handle, Io&& io) {
        return fs_.io_may_block(handle) ? interrupts_.run(unique, io) : io();
    }
    void op_release(In& in, Reply& reply, bool dir);
    void op_flush(In& in, Reply& reply);
    void op_fsync(In& in, Reply& reply, bool dir);
    void op_readdir(In& in, Reply& reply, bool plus);
    void op_statfs(const fuse_in_header& h, In& in, Reply& reply);
    void op_setxattr(const fuse_in_header& h, In& in, Reply& reply);
    void op_getxattr(const fuse_in_header& h, In& in, Reply& reply, bool list);
    void op_removexattr(const fuse_in_header& h, In& in, Reply& reply);
    void op_access(const fuse_in_header& h, In& in, Reply& reply);
    void op_fallocate(In& in, Reply& reply);
    void op_lseek(In& in, Reply& reply);
    void op_copy_file_range(In& in, Reply& reply);
    // File locks and interrupts (fuse_server_locks.cpp).
    void op_getlk(In& in, Reply& reply);
    void op_setlk(const fuse_in_header& h, In& in, Reply& reply, vhost::Request& request,
                  bool wait);
    void op_interrupt(In& in, Reply& reply);
    void end_session();
    // Requests run again after a restart (fuse_server_replay.cpp).
    void dispatch_replayed(const fuse_in_header& h, In& in, Reply& reply, vhost::Request& request);
    bool name_exists(fs::NodeId parent, const std::string& name);
    bool name_missing(fs::NodeId parent, const std::string& name);
    void record_session(bool active);
    void op_syncfs(const fuse_in_header& h, In& in, Reply& reply);
    void op_setupmapping(const fuse_in_header& h, In& in, Reply& reply);
    void op_removemapping(In& in, Reply& reply);
    bool dax_possible() const;
    void unmap_all();

    void reply_entry(Reply& reply, const fs::Result<fs::Entry>& entry);
    void fill_entry(fuse_entry_out& out, const fs::Entry& entry) const;
    void fill_attr_out(fuse_attr_out& out, const struct stat& st) const;
    // The owner a new node gets, in host ids; nullopt: not mapped (EPERM).
    std::optional<fs::Caller> caller_of(const fuse_in_header& h) const;

    fs::FileSystem& fs_;
    FuseServerOptions options_;
    std::atomic<bool> initialized_{false};
    DaxRanges dax_ranges_;                // what SETUPMAPPING mapped, unmapped at session end
    InterruptRegistry interrupts_;        // what FUSE_INTERRUPT can cancel (before lock_waiter_)
    LockWaiter lock_waiter_{interrupts_}; // SETLKW requests waiting for their lock
};

// struct stat -> the wire attribute struct, owner in guest ids.
void fill_fuse_attr(fuse_attr& out, const struct stat& st, const fs::IdTranslation& ids);
const char* opcode_name(std::uint32_t opcode);

} // namespace vfsd::fuse
