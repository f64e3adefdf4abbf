#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace vfsd {

enum class SeccompMode { None, Log, Trap, Kill };

// Kill, as virtiofsd has it.  Sanitizer runtimes make system calls of their
// own (reports, shadow memory), so sanitizer builds default to none.
#ifdef VFSD_SANITIZER_BUILD
inline constexpr SeccompMode kDefaultSeccompMode = SeccompMode::None;
#else
inline constexpr SeccompMode kDefaultSeccompMode = SeccompMode::Kill;
#endif

std::optional<SeccompMode> parse_seccomp_mode(std::string_view text);

// Opening files by handle (open_by_handle_at, for the version table's
// fanotify events) needs CAP_DAC_READ_SEARCH and that system call, which
// together open any inode of the shared directory's file system, inside the
// share or not.  Only a daemon that needs it keeps them.
struct HandleAccess {
    bool open_by_handle = false;
};

// Keeps only the capabilities a passthrough server needs (chown, DAC
// override, fowner, fsetid, setuid/setgid for fsuid switching, mknod,
// setfcap; dac_read_search with @access.open_by_handle) in every set,
// bounding set included.  Does nothing for a process without capabilities
// (not root and not in a user namespace of its own).  Per thread: call
// before starting threads.
void drop_capabilities(HandleAccess access);

// Allows only the system calls vfsd makes; anything else is logged (Log),
// reported and aborts (Trap), or kills the process (Kill).  Applies to all
// threads.  Throws std::runtime_error if the filter cannot be installed.
// @extra_syscalls (by name) are allowed too: only the fuzz targets pass any,
// for libFuzzer's and the sanitizers' own needs (Documentation/vfsd.md).
void install_seccomp_filter(SeccompMode mode, HandleAccess access,
                            std::span<const char* const> extra_syscalls = {});

} // namespace vfsd
