#include "app/confinement.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <cstdlib>
#include <fmt/format.h>
#include <memory>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vfsd {

namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(fmt::format("sandbox: {}: {}", what, std::strerror(errno)));
}

UniqueFd open_proc_self_fd() {
    UniqueFd fd(::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        fail("open /proc/self/fd");
    }
    return fd;
}

void write_file(const char* path, const std::string& text) {
    UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        fail(fmt::format("write {}", path));
    }
}

// Without root, a user namespace gives the capabilities the other namespaces
// and the mounts need.  Our own ids map to themselves, so files keep the
// owner they have on the host and nothing becomes host root.
void enter_user_namespace() {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER) != 0) {
        fail("unshare(CLONE_NEWUSER) (--sandbox=none where user namespaces are not allowed)");
    }
    write_file("/proc/self/setgroups", "deny");
    write_file("/proc/self/uid_map", fmt::format("{} {} 1\n", uid, uid));
    write_file("/proc/self/gid_map", fmt::format("{} {} 1\n", gid, gid));
}

pid_t child_pid = 0;
volatile sig_atomic_t forwarded = 0;

// The child is init of its pid namespace, which ignores signals it has no
// handler for; SIGKILL is what a default SIGTERM would have done to it.
void forward_signal(int sig) {
    forwarded = sig;
    if (child_pid > 0) {
        ::kill(child_pid, SIGKILL);
    }
}

// The host-side parent of the pid namespace: passes termination requests on
// and ends as the child did (or as the signal it was sent would have).
[[noreturn]] void supervise(pid_t child) {
    child_pid = child;
    struct sigaction sa {};
    sa.sa_handler = forward_signal;
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
        ::sigaction(sig, &sa, nullptr);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            ::_exit(1);
        }
    }
    if (forwarded != 0) {
        ::signal(forwarded, SIG_DFL);
        ::raise(forwarded);
    }
    if (WIFSIGNALED(status)) {
        spdlog::error("sandboxed vfsd killed by signal {}", WTERMSIG(status));
        ::_exit(128 + WTERMSIG(status));
    }
    ::_exit(WEXITSTATUS(status));
}

// Makes @source the root of this mount namespace and detaches everything
// else; only fds opened before (the proc one among them) still reach it.
void pivot_into(const std::string& source) {
    if (::mount(source.c_str(), source.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        fail(fmt::format("bind-mount {}", source));
    }
    if (::chdir(source.c_str()) != 0) {
        fail(fmt::format("chdir {}", source));
    }
    // pivot_root(".", ".") stacks the old root on the new one; unmounting
    // "." then takes the old root away.
    if (::syscall(SYS_pivot_root, ".", ".") != 0) {
        fail("pivot_root");
    }
    if (::umount2(".", MNT_DETACH) != 0) {
        fail("detach the old root");
    }
    if (::chdir("/") != 0) {
        fail("chdir /");
    }
}

ConfinedRoot enter_namespaces(const std::string& source) {
    if (::geteuid() != 0) {
        enter_user_namespace();
    }
    if (::unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC) != 0) {
        fail("unshare(mount, pid, net, ipc) (--sandbox=chroot or none where namespaces are "
             "not available)");
    }
    // The new pid namespace takes effect for children only.
    const pid_t child = ::fork();
    if (child < 0) {
        fail("fork");
    }
    if (child > 0) {
        supervise(child);
    }
    // The confined daemon must not outlive the process its operator started.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        fail("PR_SET_PDEATHSIG");
    }
    // Nothing we mount or unmount may propagate back to the host.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
        fail("make / a slave mount");
    }
    // A /proc of our own pid namespace: it shows no host process, so no
    // /proc/<pid>/root leads back to the host's tree.
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME,
                nullptr) != 0) {
        fail("mount /proc");
    }
    ConfinedRoot root{"/", open_proc_self_fd()};
    pivot_into(source);
    return root;
}

ConfinedRoot enter_chroot(const std::string& source) {
    ConfinedRoot root{"/", open_proc_self_fd()};
    if (::chroot(source.c_str()) != 0) {
        fail(fmt::format("chroot {}", source));
    }
    if (::chdir("/") != 0) {
        fail("chdir /");
    }
    return root;
}

} // namespace

std::optional<SandboxMode> parse_sandbox_mode(std::string_view text) {
    if (text == "namespace") {
        return SandboxMode::Namespace;
    }
    if (text == "chroot") {
        return SandboxMode::Chroot;
    }
    if (text == "none") {
        return SandboxMode::None;
    }
    return std::nullopt;
}

const char* to_string(SandboxMode mode) {
    switch (mode) {
    case SandboxMode::Namespace:
        return "namespace";
    case SandboxMode::Chroot:
        return "chroot";
    case SandboxMode::None:
        return "none";
    }
    return "?";
}

ConfinedRoot enter_sandbox(SandboxMode mode, const std::string& source) {
    if (mode == SandboxMode::None) {
        return ConfinedRoot{source, open_proc_self_fd()};
    }
    // Mounts and chdir below need the directory itself, not a relative path
    // or a symlink to it.
    std::unique_ptr<char, decltype(&::free)> real(::realpath(source.c_str(), nullptr), ::free);
    if (!real) {
        fail(fmt::format("resolve {}", source));
    }
    switch (mode) {
    case SandboxMode::Namespace:
        return enter_namespaces(real.get());
    case SandboxMode::Chroot:
        return enter_chroot(real.get());
    case SandboxMode::None:
        break;
    }
    return ConfinedRoot{source, open_proc_self_fd()};
}

} // namespace vfsd
