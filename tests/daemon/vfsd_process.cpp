#include "vfsd_process.hpp"

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace vfsd::test {

namespace {

std::filesystem::path make_base() {
    char tmpl[] = "/tmp/vfsd-proc-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
        throw std::runtime_error("mkdtemp");
    }
    return tmpl;
}

} // namespace

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

VfsdProcess::VfsdProcess(std::vector<std::string> extra_args)
    : base(make_base()), share(base / "share"), outside(base / "outside"), socket(base / "sock") {
    std::filesystem::create_directories(share);
    std::filesystem::create_directories(outside);
    // Non-root cases must be able to reach the scratch tree.
    std::filesystem::permissions(base, std::filesystem::perms(0755));
    std::ofstream(share / "file") << "inside\n";
    std::ofstream(outside / "secret") << "secret\n";
    start(extra_args);
}

VfsdProcess::VfsdProcess(std::vector<std::string> extra_args, const VfsdProcess& predecessor)
    : base(predecessor.base), share(predecessor.share), outside(predecessor.outside),
      socket(predecessor.socket), owns_base_(false) {
    // wait_ready() must see the successor's socket and log, not the old ones.
    std::filesystem::remove(socket);
    std::filesystem::remove(base / "log");
    start(extra_args);
}

void VfsdProcess::start(const std::vector<std::string>& extra_args) {
    std::vector<std::string> args = {VFSD_BINARY, "--socket-path=" + socket.string(),
                                     "-o",        "source=" + share.string(),
                                     "-o",        "cache=none"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
        const int log_fd = ::open((base / "log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(log_fd, STDERR_FILENO);
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
}

VfsdProcess::~VfsdProcess() {
    if (pid_ > 0 && status_ < 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    if (owns_base_) {
        std::error_code ec;
        std::filesystem::remove_all(base, ec);
    }
}

void VfsdProcess::kill_hard() {
    if (const pid_t server = server_pid(); server > 0 && server != pid_) {
        ::kill(server, SIGKILL);
    }
    if (running()) {
        ::kill(pid_, SIGKILL);
        int st;
        ::waitpid(pid_, &st, 0);
        status_ = st;
    }
}

bool VfsdProcess::running() {
    if (status_ >= 0) {
        return false;
    }
    int st;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = st;
        return false;
    }
    return true;
}

bool VfsdProcess::wait_ready() {
    for (int i = 0; i < 500; ++i) {
        // Logged once the sandbox, capabilities and seccomp are in place.
        if (log().find("waiting for vhost-user connection") != std::string::npos) {
            return true;
        }
        if (!running()) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

pid_t VfsdProcess::server_pid() const {
    // Namespace mode: the started process waits for one child in a new pid
    // namespace.  Other modes: no child.
    const auto children =
        read_text("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children");
    if (!children.empty()) {
        return static_cast<pid_t>(std::stol(children));
    }
    return read_text("/proc/" + std::to_string(pid_) + "/cmdline").empty() ? 0 : pid_;
}

int VfsdProcess::stop() {
    if (running()) {
        ::kill(pid_, SIGTERM);
    }
    for (int i = 0; i < 500 && running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status_;
}

std::string VfsdProcess::log() const {
    return read_text(base / "log");
}

} // namespace vfsd::test
