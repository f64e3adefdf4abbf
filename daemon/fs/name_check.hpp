#pragma once

#include <string_view>

namespace vfsd::fs {

// What a request does with the final name component it carries.  Linux
// answers "." and ".." differently per operation, and a guest (or a hostile
// frontend) should see the errno its own file systems would give.
enum class NameUse {
    Lookup,    // LOOKUP: "." and ".." are allowed
    Create,    // MKNOD, MKDIR, SYMLINK, LINK, CREATE: EEXIST
    Unlink,    // UNLINK: EISDIR
    Rmdir,     // RMDIR: "." EINVAL, ".." ENOTEMPTY
    Rename,    // RENAME source or target: EBUSY
};

// 0 if name may be used as @use says, else the errno Linux gives for it:
// ENOENT for an empty name, ENAMETOOLONG beyond NAME_MAX, EINVAL for '/' or
// NUL inside (no local path can carry those in one component), and the
// per-operation answer for "." and "..".
int name_error(std::string_view name, NameUse use);

} // namespace vfsd::fs
