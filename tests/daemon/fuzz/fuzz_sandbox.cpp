#include "fuzz_sandbox.hpp"

#include "app/confinement.hpp"
#include "app/sandbox.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sched.h>
#include <string>
#include <string_view>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace vfsd::fuzz {

namespace {

// What libFuzzer and the sanitizer runtimes call beyond vfsd's allow-list,
// found with VFSD_FUZZ_SECCOMP=log over `make fuzz` runs: the -timeout
// alarm (setitimer), RSS and time accounting (getrusage), replacing corpus
// files by smaller ones (unlink), the sanitizer runtime's raw open(2) and
// pipe2 (its file and memory-probing helpers), stat (its symbolizer looking
// for llvm-symbolizer on PATH, for libFuzzer's NEW_FUNC lines and reports;
// none is found inside, so nothing is run), and LeakSanitizer's
// stop-the-world when libFuzzer checks a run for leaks: a helper task that
// ptraces the fuzzer's threads (ptrace, prctl, getppid, wait4) after listing
// them in /proc/self/task (getdents).  None of them is a call vfsd makes;
// vfsd's list stays as it is.  ptrace reaches only the sandbox's own pid
// namespace.
const char* const kFuzzerSyscalls[] = {"setitimer", "getrusage", "unlink", "open",
                                       "pipe2",     "ptrace",    "prctl",  "getppid",
                                       "wait4",     "getdents",  "stat"};

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "fuzz sandbox: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(1);
}

void bind(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::create_directories(to);
    if (::mount(from.c_str(), to.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        die("bind " + from.string());
    }
}

} // namespace

FuzzRoot enter_fuzz_sandbox(int* argc, char*** argv) {
    char tmpl[] = "/tmp/vfsd-fuzz-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
        die("mkdtemp");
    }
    const std::filesystem::path root = tmpl;
    std::filesystem::create_directories(root / "share");
    std::filesystem::create_directories(root / "proc");
    // A mount namespace of our own for the bind mounts below, so none of
    // them shows on the host; enter_sandbox() then takes the tree along.
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
        die("private mount namespace");
    }
    // libFuzzer reads and grows its corpus directories and writes crash
    // files under -artifact_prefix: bind just those in, named by their
    // confined paths.  Nothing else of the host's tree is in the sandbox.
    static std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(*argc));
    const std::string_view prefix_flag = "-artifact_prefix=";
    std::string artifacts = "/ (" + root.string() + " on the host)";
    for (int i = 1; i < *argc; ++i) {
        const std::string arg = (*argv)[i];
        if (arg.starts_with(prefix_flag)) {
            // A directory (ending in '/') or a directory and a file prefix.
            const std::filesystem::path prefix = arg.substr(prefix_flag.size());
            const auto dir = arg.ends_with('/') ? prefix : prefix.parent_path();
            bind(std::filesystem::canonical(dir), root / "artifacts");
            names.push_back(std::string(prefix_flag) + "/artifacts/" +
                            (arg.ends_with('/') ? "" : prefix.filename().string()));
            artifacts = dir.string();
        } else if (arg[0] != '-' && std::filesystem::is_directory(arg)) {
            names.push_back("/corpus" + std::to_string(i));
            bind(std::filesystem::canonical(arg), root / names.back().substr(1));
        } else {
            continue;
        }
        (*argv)[i] = names.back().data();
    }
    std::fprintf(stderr, "fuzz sandbox: serving %s/share; crash files go to %s\n", root.c_str(),
                 artifacts.c_str());

    ConfinedRoot confined = enter_sandbox(SandboxMode::Namespace, root.string());
    // The sanitizer runtimes read /proc/self/maps by path for their reports
    // and leak checks.  This /proc is the sandbox's pid namespace's, beside
    // (not in) the served directory.
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
        die("mount /proc");
    }
    drop_capabilities(HandleAccess{});
    // VFSD_FUZZ_SECCOMP=log only logs refused calls (kernel log, "audit:
    // type=1326"): how kFuzzerSyscalls was found, and how to update it.
    const char* mode = std::getenv("VFSD_FUZZ_SECCOMP");
    install_seccomp_filter(mode != nullptr && std::string(mode) == "log" ? SeccompMode::Log
                                                                         : SeccompMode::Kill,
                           HandleAccess{}, kFuzzerSyscalls);
    return FuzzRoot{"/share", std::move(confined.proc_self_fd)};
}

} // namespace vfsd::fuzz
