#include "app/sandbox.hpp"

#include <cap-ng.h>
#include <cstring>
#include <linux/capability.h>
#include <memory>
#include <seccomp.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <unistd.h>

namespace vfsd {

std::optional<SeccompMode> parse_seccomp_mode(std::string_view text) {
    if (text == "none") {
        return SeccompMode::None;
    }
    if (text == "log") {
        return SeccompMode::Log;
    }
    if (text == "trap") {
        return SeccompMode::Trap;
    }
    if (text == "kill") {
        return SeccompMode::Kill;
    }
    return std::nullopt;
}

#ifdef VFSD_NO_SANDBOX

void drop_capabilities(HandleAccess) {
    spdlog::warn("built without libcap-ng: capabilities are not reduced");
}

void install_seccomp_filter(SeccompMode mode, HandleAccess, std::span<const char* const>) {
    if (mode != SeccompMode::None) {
        throw std::runtime_error("built without libseccomp: --seccomp is not available");
    }
}

#else

namespace {

// Everything vfsd, glibc, libstdc++ and spdlog call once the filter is in
// place: threads and memory, the vhost-user socket and eventfds, and the
// *at() family the passthrough file system uses.
const char* const kAllowedSyscalls[] = {
    // process, threads, memory, signals, time
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "clone",
    "clone3",
    "exit",
    "exit_group",
    "futex",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "sched_yield",
    "sched_getaffinity",
    "gettid",
    "getpid",
    "tgkill",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "restart_syscall",
    "nanosleep",
    "clock_nanosleep",
    "clock_gettime",
    "gettimeofday",
    "getrandom",
    "prlimit64",
    "membarrier",
    // fds and the vhost-user socket
    "read",
    "write",
    "readv",
    "writev",
    "close",
    "dup",
    "dup3",
    "fcntl",
    "flock",
    "poll",
    "ppoll",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "recvmsg",
    "sendmsg",
    "recvfrom",
    "sendto",
    "accept4",
    "eventfd2",
    "getsockopt",
    "shutdown",
    // file system
    "openat",
    "openat2",
    "newfstatat",
    "fstat",
    "statx",
    "lseek",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "getdents64",
    "fstatfs",
    "statfs",
    "fchmod",
    "fchmodat",
    "fchown",
    "fchownat",
    "ftruncate",
    "utimensat",
    "readlinkat",
    "mknodat",
    "mkdirat",
    "symlinkat",
    "linkat",
    "unlinkat",
    "renameat2",
    "renameat",
    "fsync",
    "fdatasync",
    "fallocate",
    "copy_file_range",
    "syncfs",
    "faccessat",
    "faccessat2",
    "setxattr",
    "getxattr",
    "listxattr",
    "removexattr",
    "lsetxattr",
    "lgetxattr",
    "llistxattr",
    "lremovexattr",
    "fsetxattr",
    "fgetxattr",
    "flistxattr",
    "fremovexattr",
    // the xattr path of symlinks and devices runs in /proc/self/fd
    "fchdir",
    "chdir",
    // the version table lives in a memfd (open_by_handle_at: HandleAccess)
    "name_to_handle_at",
    "memfd_create",
    "setfsuid",
    "setfsgid",
    "capget",
    "umask",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
};

void report_blocked_syscall(int, siginfo_t* info, void*) {
    // Only async-signal-safe calls here.
    char msg[64] = "vfsd: seccomp blocked syscall ";
    char digits[16];
    int n = info->si_syscall, len = 0;
    do {
        digits[len++] = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n > 0 && len < 15);
    std::size_t at = std::strlen(msg);
    while (len > 0) {
        msg[at++] = digits[--len];
    }
    msg[at++] = '\n';
    [[maybe_unused]] auto w = ::write(STDERR_FILENO, msg, at);
    ::abort();
}

struct SeccompContextDeleter {
    void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};

} // namespace

void drop_capabilities(HandleAccess access) {
    // Root, or the owner of the user namespace the sandbox made.
    if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE) {
        return;
    }
    const auto sets =
        static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET);
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_updatev(CAPNG_ADD, sets, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID,
                      CAP_SETGID, CAP_SETUID, CAP_MKNOD, CAP_SETFCAP, -1) != 0 ||
        (access.open_by_handle && capng_update(CAPNG_ADD, sets, CAP_DAC_READ_SEARCH) != 0) ||
        capng_apply(CAPNG_SELECT_BOTH) != 0) {
        throw std::runtime_error("cannot drop capabilities");
    }
    spdlog::info("capabilities reduced to chown, dac_override, fowner, fsetid, setgid, setuid, "
                 "mknod, setfcap{}",
                 access.open_by_handle ? ", dac_read_search" : "");
}

void install_seccomp_filter(SeccompMode mode, HandleAccess access,
                            std::span<const char* const> extra_syscalls) {
    if (mode == SeccompMode::None) {
        return;
    }
    std::uint32_t action = SCMP_ACT_KILL_PROCESS;
    if (mode == SeccompMode::Log) {
        action = SCMP_ACT_LOG;
    } else if (mode == SeccompMode::Trap) {
        action = SCMP_ACT_TRAP;
        struct sigaction sa {};
        sa.sa_sigaction = report_blocked_syscall;
        sa.sa_flags = SA_SIGINFO;
        ::sigaction(SIGSYS, &sa, nullptr);
    }
    std::unique_ptr<void, SeccompContextDeleter> ctx(seccomp_init(action));
    if (!ctx) {
        throw std::runtime_error("seccomp_init failed");
    }
    if (seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1) != 0) {
        throw std::runtime_error("seccomp: cannot sync threads");
    }
    const auto allow = [&](const char* name) {
        const int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) {
            return; // not on this architecture
        }
        if (seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0) != 0) {
            throw std::runtime_error(std::string("seccomp: cannot allow ") + name);
        }
    };
    for (const char* name : kAllowedSyscalls) {
        allow(name);
    }
    for (const char* name : extra_syscalls) {
        allow(name);
    }
    if (access.open_by_handle &&
        seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(open_by_handle_at), 0) != 0) {
        throw std::runtime_error("seccomp: cannot allow open_by_handle_at");
    }
    // Threads name themselves (queue threads: "vfsd-qN") for host profiles;
    // no other prctl.
    if (seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                         SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME)) != 0) {
        throw std::runtime_error("seccomp: cannot allow prctl(PR_SET_NAME)");
    }
    if (int err = seccomp_load(ctx.get()); err != 0) {
        throw std::runtime_error(std::string("seccomp_load: ") + std::strerror(-err));
    }
    spdlog::info("seccomp filter installed ({} system calls allowed, {} extra)",
                 sizeof(kAllowedSyscalls) / sizeof(kAllowedSyscalls[0]), extra_syscalls.size());
}

#endif // VFSD_NO_SANDBOX

} // namespace vfsd
