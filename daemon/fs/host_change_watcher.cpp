#include "fs/host_change_watcher.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

namespace vfsd::fs {

namespace {

// Directory entry changes: the directory itself changed as well.
constexpr std::uint64_t kEntryEvents = FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO;
constexpr std::uint64_t kEvents =
    kEntryEvents | FAN_MODIFY | FAN_ATTRIB | FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_ONDIR;

UniqueFd open_fanotify() {
    const unsigned event_flags = O_RDONLY | O_CLOEXEC | O_LARGEFILE;
    const unsigned base = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME;
#ifdef FAN_REPORT_TARGET_FID
    // 5.17+: the object's own handle too, so a deleted file is still found.
    UniqueFd fd(::fanotify_init(base | FAN_REPORT_FID | FAN_REPORT_TARGET_FID, event_flags));
    if (fd || errno != EINVAL) {
        if (!fd) {
            throw std::system_error(errno, std::generic_category(), "fanotify_init");
        }
        return fd;
    }
#endif
    UniqueFd old(::fanotify_init(base, event_flags));
    if (!old) {
        throw std::system_error(errno, std::generic_category(), "fanotify_init");
    }
    return old;
}

// One file handle record of an event: the object's own (FID) or its
// directory's with the entry's name (DFID_NAME; name empty or "." for the
// directory itself).
struct HandleRecord {
    file_handle* handle;
    bool is_dir_record;
    const char* name;
};

std::vector<HandleRecord> handle_records(const fanotify_event_metadata& event) {
    std::vector<HandleRecord> records;
    const auto* p = reinterpret_cast<const char*>(&event) + event.metadata_len;
    const auto* end = reinterpret_cast<const char*>(&event) + event.event_len;
    while (p + sizeof(fanotify_event_info_header) <= end) {
        fanotify_event_info_header header;
        std::memcpy(&header, p, sizeof(header));
        if (header.len < sizeof(fanotify_event_info_fid) || p + header.len > end) {
            break;
        }
        const auto* info = reinterpret_cast<const fanotify_event_info_fid*>(p);
        p += header.len;
        if (header.info_type != FAN_EVENT_INFO_TYPE_FID &&
            header.info_type != FAN_EVENT_INFO_TYPE_DFID &&
            header.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME) {
            continue;
        }
        auto* handle = reinterpret_cast<file_handle*>(const_cast<unsigned char*>(info->handle));
        const char* name =
            header.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME
                ? reinterpret_cast<const char*>(handle->f_handle) + handle->handle_bytes
                : nullptr;
        records.push_back({handle, header.info_type != FAN_EVENT_INFO_TYPE_FID, name});
    }
    return records;
}

} // namespace

HostChangeWatcher::HostChangeWatcher(const std::string& source, Changed changed,
                                     Overflowed overflowed)
    : changed_(std::move(changed)), overflowed_(std::move(overflowed)),
      mount_fd_(::open(source.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
      fanotify_(open_fanotify()) {
    if (!mount_fd_) {
        throw std::system_error(errno, std::generic_category(), "open " + source);
    }
    if (::fanotify_mark(fanotify_.get(), FAN_MARK_ADD | FAN_MARK_FILESYSTEM, kEvents,
                        mount_fd_.get(), nullptr) != 0) {
        throw std::system_error(errno, std::generic_category(),
                                "fanotify_mark of the file system of " + source);
    }
}

HostChangeWatcher::~HostChangeWatcher() {
    if (thread_.joinable()) {
        stop_.signal();
        thread_.join();
    }
}

void HostChangeWatcher::start() {
    thread_ = std::thread([this] { run(); });
}

void HostChangeWatcher::drain_now() {
    while (read_events()) {
    }
}

void HostChangeWatcher::run() {
    for (;;) {
        pollfd fds[2] = {{fanotify_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            spdlog::error("host change watcher: poll: {}", std::strerror(errno));
            return;
        }
        if (fds[1].revents & POLLIN) {
            return;
        }
        drain_now();
    }
}

bool HostChangeWatcher::read_events() {
    alignas(fanotify_event_metadata) char buffer[64 * 1024];
    const ssize_t n = ::read(fanotify_.get(), buffer, sizeof(buffer));
    if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            spdlog::error("host change watcher: read: {}", std::strerror(errno));
        }
        return false;
    }
    ssize_t left = n;
    for (auto* e = reinterpret_cast<const fanotify_event_metadata*>(buffer); FAN_EVENT_OK(e, left);
         e = FAN_EVENT_NEXT(e, left)) {
        if (e->vers != FANOTIFY_METADATA_VERSION) {
            spdlog::error("host change watcher: fanotify metadata version {}, want {}", e->vers,
                          FANOTIFY_METADATA_VERSION);
            return false;
        }
        if (e->mask & FAN_Q_OVERFLOW) {
            overflowed_();
            continue;
        }
        handle_event(*e);
    }
    return true;
}

std::optional<HostFileId> HostChangeWatcher::resolve(file_handle& handle) {
    if (auto known = known_.find(handle)) {
        return known;
    }
    // Files gone for good do not open: nothing to bump.
    UniqueFd fd(::open_by_handle_at(mount_fd_.get(), &handle, O_PATH | O_CLOEXEC));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        return std::nullopt;
    }
    const HostFileId id{st.st_dev, st.st_ino};
    known_.insert(handle, id);
    return id;
}

std::optional<HostFileId> HostChangeWatcher::resolve_entry(file_handle& dir, const char* name) {
    UniqueFd fd(::open_by_handle_at(mount_fd_.get(), &dir, O_PATH | O_CLOEXEC));
    struct stat st;
    if (!fd || ::fstatat(fd.get(), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return std::nullopt;
    }
    return HostFileId{st.st_dev, st.st_ino};
}

void HostChangeWatcher::handle_event(const fanotify_event_metadata& event) {
    // vfsd's own changes were bumped before their replies.
    if (event.pid == ::getpid()) {
        return;
    }
    const auto records = handle_records(event);
    const bool entry_event = event.mask & kEntryEvents;
    // Outside entry events the object's own record is the entry itself.
    const bool object_reported =
        std::any_of(records.begin(), records.end(), [](const auto& r) { return !r.is_dir_record; });
    std::vector<HostFileId> touched;
    auto note = [&](std::optional<HostFileId> id) {
        if (id && std::find(touched.begin(), touched.end(), *id) == touched.end()) {
            touched.push_back(*id);
        }
    };
    // Files outside the shared tree resolve too; the callback does not know
    // them, so nothing is bumped for them.
    for (const auto& r : records) {
        const bool self = r.name == nullptr || r.name[0] == '\0' || std::strcmp(r.name, ".") == 0;
        // The directory changed if its entries did or the event is its own.
        if (!r.is_dir_record || self || entry_event) {
            note(resolve(*r.handle));
        }
        if (!self && (entry_event || !object_reported)) {
            note(resolve_entry(*r.handle, r.name));
        }
    }
    for (const auto& id : touched) {
        changed_(id.dev, id.ino);
    }
}

} // namespace vfsd::fs
