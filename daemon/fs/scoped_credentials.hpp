#pragma once

#include <sys/types.h>

namespace vfsd::fs {

// Switches this thread's file system uid/gid (setfsuid/setfsgid act per
// thread) so files the guest creates get the guest caller as owner; restores
// root on destruction.  Does nothing unless the daemon runs as root.
class ScopedCredentials {
public:
    ScopedCredentials(uid_t uid, gid_t gid);
    ~ScopedCredentials();
    ScopedCredentials(const ScopedCredentials&) = delete;
    ScopedCredentials& operator=(const ScopedCredentials&) = delete;

private:
    bool switched_ = false;
};

} // namespace vfsd::fs
