#include "fs/restore_containment.hpp"

#include "common/unique_fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <unistd.h>
#include <vector>

namespace vfsd::fs {

namespace {

// Deeper than any path the guest can name (PATH_MAX / 2 components).
constexpr int kMaxDepth = 2048;

} // namespace

RestoreContainment::RestoreContainment(const struct stat& root) {
    inside_dirs_.insert({root.st_dev, root.st_ino});
}

bool RestoreContainment::directory_inside(int dir_fd, const struct stat& st) {
    if (!S_ISDIR(st.st_mode)) {
        return false;
    }
    std::vector<Key> chain{{st.st_dev, st.st_ino}};
    UniqueFd up;
    int at = dir_fd;
    for (int depth = 0; depth < kMaxDepth; ++depth) {
        if (inside_dirs_.contains(chain.back())) {
            inside_dirs_.insert(chain.begin(), chain.end());
            return true;
        }
        // Past the file system's root (or our process root) ".." is the
        // directory itself; outside a bind mount's root it fails (ENOENT).
        UniqueFd parent(::openat(at, "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
        struct stat pst;
        if (!parent || ::fstat(parent.get(), &pst) != 0) {
            return false;
        }
        const Key key{pst.st_dev, pst.st_ino};
        if (key == chain.back()) {
            return false;
        }
        chain.push_back(key);
        up = std::move(parent);
        at = up.get();
    }
    return false;
}

void RestoreContainment::add_entries(int dir_fd, dev_t dev) {
    const int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        return;
    }
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(copy), ::closedir);
    if (!dir) {
        ::close(copy);
        return;
    }
    while (const dirent* e = ::readdir(dir.get())) {
        entries_.insert({dev, e->d_ino});
    }
}

bool RestoreContainment::entry_inside(const struct stat& st) const {
    return entries_.contains({st.st_dev, st.st_ino});
}

} // namespace vfsd::fs
