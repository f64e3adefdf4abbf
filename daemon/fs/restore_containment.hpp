#pragma once

#include <set>
#include <sys/stat.h>
#include <utility>

namespace vfsd::fs {

// Which files a state file brings back lie inside the shared directory.
// open_by_handle_at resolves any inode of the handle's file system, also
// outside the share (for a caller with CAP_DAC_READ_SEARCH the kernel checks
// nothing), and a state file is only data: a crafted or stale one must not
// give the guest a node for an outside file.
//
// Directories are inside when their ".." chain reaches the root (a directory
// opened by handle is always connected).  Other files have no parent to walk
// to: they are inside when a directory found inside has an entry for their
// inode (the guest holds a node for the parent of every name it looked up).
// Not thread-safe: restore_state() owns it.
class RestoreContainment {
public:
    explicit RestoreContainment(const struct stat& root);

    // dir_fd: the directory (O_PATH is fine), st its fstat.
    bool directory_inside(int dir_fd, const struct stat& st);
    // Records the entries of a directory found inside; dir_fd must be
    // readable (it is consumed by a directory stream on a duplicate).
    void add_entries(int dir_fd, dev_t dev);
    bool entry_inside(const struct stat& st) const;

private:
    using Key = std::pair<dev_t, ino_t>;
    std::set<Key> inside_dirs_;
    std::set<Key> entries_;
};

} // namespace vfsd::fs
