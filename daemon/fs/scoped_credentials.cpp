#include "fs/scoped_credentials.hpp"

#include <sys/fsuid.h>
#include <unistd.h>

namespace vfsd::fs {

ScopedCredentials::ScopedCredentials(uid_t uid, gid_t gid) {
    if (::geteuid() != 0 || (uid == 0 && gid == 0)) {
        return;
    }
    // Group first: after dropping the uid we could no longer change it.
    ::setfsgid(gid);
    ::setfsuid(uid);
    switched_ = true;
}

ScopedCredentials::~ScopedCredentials() {
    if (switched_) {
        ::setfsuid(0);
        ::setfsgid(0);
    }
}

} // namespace vfsd::fs
