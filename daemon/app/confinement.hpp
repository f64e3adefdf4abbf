#pragma once

#include "common/unique_fd.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace vfsd {

// How vfsd walls itself off from the host before it serves a guest.
enum class SandboxMode {
    // New mount, pid, net and ipc namespaces (and a user namespace when not
    // root); the shared directory becomes "/" through pivot_root and the
    // host's tree is unmounted from the process's view.
    Namespace,
    // chroot() into the shared directory: needs root, keeps the host's
    // namespaces.  For hosts where namespaces are not available.
    Chroot,
    // Serve the directory by its host path.
    None,
};

// Namespace, as virtiofsd has it.  Sanitizer runtimes read /proc/self by
// path (LeakSanitizer at exit), which no sandbox leaves them.
#ifdef VFSD_SANITIZER_BUILD
inline constexpr SandboxMode kDefaultSandboxMode = SandboxMode::None;
#else
inline constexpr SandboxMode kDefaultSandboxMode = SandboxMode::Namespace;
#endif

std::optional<SandboxMode> parse_sandbox_mode(std::string_view text);
const char* to_string(SandboxMode mode);

// Where the daemon serves from once confined.
struct ConfinedRoot {
    // The shared directory as the confined process names it ("/" unless None).
    std::string source;
    // /proc/self/fd of the confined process, opened while /proc was still
    // reachable: the passthrough fs reopens its O_PATH fds through it.
    UniqueFd proc_self_fd;
};

// Enters @mode's sandbox around @source.  Call while single-threaded, after
// every host resource (listening socket, fanotify marks) is open.
// Namespace mode forks: the caller's process stays on the host only to
// forward signals and pass on the confined child's exit status, and never
// returns from here.  Throws std::runtime_error on failure.
ConfinedRoot enter_sandbox(SandboxMode mode, const std::string& source);

} // namespace vfsd
