#pragma once

#include "common/event_fd.hpp"
#include "common/unique_fd.hpp"
#include "fs/host_file_ids.hpp"

#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <thread>

struct fanotify_event_metadata;
struct file_handle;

namespace vfsd::fs {

// Sees changes made to the shared tree on the host, outside vfsd, through
// fanotify: a filesystem mark on the file system holding the source
// directory, events reported with directory file handles and names
// (FAN_REPORT_DFID_NAME, and the target's own handle where the kernel has
// FAN_REPORT_TARGET_FID).  For each event it calls changed() with every file
// the event touched that still exists or is still pinned: the directory of
// a created, removed or moved entry, and the entry itself.  Events caused by
// vfsd itself are skipped (vfsd bumps those before it replies).  A lost-event
// overflow calls overflowed().  Callbacks run on the watcher's own thread.
//
// Needs CAP_SYS_ADMIN to set up (fanotify_init with file handles, filesystem
// marks) and CAP_DAC_READ_SEARCH to run (open_by_handle_at).
class HostChangeWatcher {
public:
    // How many resolved handles it remembers (HostFileIds).
    static constexpr std::size_t kKnownHandles = 16384;

    using Changed = std::function<void(dev_t, ino_t)>;
    using Overflowed = std::function<void()>;

    // Opens fanotify and marks source's file system; throws std::system_error
    // (EPERM without CAP_SYS_ADMIN).  No thread yet: call start() once the
    // process has dropped what it will drop, threads inherit capabilities.
    HostChangeWatcher(const std::string& source, Changed changed, Overflowed overflowed);
    ~HostChangeWatcher();
    HostChangeWatcher(const HostChangeWatcher&) = delete;
    HostChangeWatcher& operator=(const HostChangeWatcher&) = delete;

    void start();
    // Handles every event queued now, on the caller's thread; for tests.
    void drain_now();

private:
    void run();
    // Reads and handles one buffer of events; false if none was queued.
    bool read_events();
    void handle_event(const ::fanotify_event_metadata& event);
    // The inode a handle names, if it still exists (remembered in known_).
    std::optional<HostFileId> resolve(::file_handle& handle);
    // The inode of entry name in directory dir, if it exists (not remembered:
    // a name may lead elsewhere next time).
    std::optional<HostFileId> resolve_entry(::file_handle& dir, const char* name);

    Changed changed_;
    Overflowed overflowed_;
    // Not O_PATH: fanotify_mark and open_by_handle_at refuse those.
    UniqueFd mount_fd_; // for open_by_handle_at: any fd on the marked file system
    UniqueFd fanotify_;
    HostFileIds known_{kKnownHandles};
    EventFd stop_;
    std::thread thread_;
};

} // namespace vfsd::fs
