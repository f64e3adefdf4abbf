#include "fs/name_check.hpp"

#include <cerrno>
#include <climits>

namespace vfsd::fs {

namespace {

int dot_error(std::string_view name, NameUse use) {
    switch (use) {
    case NameUse::Lookup:
        return 0;
    case NameUse::Create:
        return EEXIST;
    case NameUse::Unlink:
        return EISDIR;
    case NameUse::Rmdir:
        return name == "." ? EINVAL : ENOTEMPTY;
    case NameUse::Rename:
        return EBUSY;
    }
    return EINVAL;
}

} // namespace

int name_error(std::string_view name, NameUse use) {
    if (name.empty()) {
        return ENOENT;
    }
    if (name.find_first_of(std::string_view("/\0", 2)) != std::string_view::npos) {
        return EINVAL;
    }
    if (name.size() > NAME_MAX) {
        return ENAMETOOLONG;
    }
    if (name == "." || name == "..") {
        return dot_error(name, use);
    }
    return 0;
}

} // namespace vfsd::fs
