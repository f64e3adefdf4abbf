#include "util/child_process.hpp"

#include "util/string_util.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <utility>

extern char** environ;

namespace vfs {

namespace {

// posix_spawn file actions with automatic destruction.
class FileActions {
public:
    FileActions() { posix_spawn_file_actions_init(&fa_); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
    ~FileActions() { posix_spawn_file_actions_destroy(&fa_); }
    posix_spawn_file_actions_t* get() { return &fa_; }

private:
    posix_spawn_file_actions_t fa_;
};

std::pair<UniqueFd, UniqueFd> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

} // namespace

ChildProcess::ChildProcess(const SpawnSpec& spec) {
    if (spec.argv.empty()) {
        throw std::invalid_argument("ChildProcess: empty argv");
    }
    FileActions fa;
    // Child ends of pipes; closed in the parent after the spawn.
    UniqueFd child_in, child_out;

    switch (spec.in.kind) {
    case StreamSpec::Kind::Null:
        posix_spawn_file_actions_addopen(fa.get(), 0, "/dev/null", O_RDONLY, 0);
        break;
    case StreamSpec::Kind::Pipe: {
        auto [r, w] = make_pipe();
        child_in = std::move(r);
        in_ = std::move(w);
        posix_spawn_file_actions_adddup2(fa.get(), child_in.get(), 0);
        break;
    }
    case StreamSpec::Kind::File:
        posix_spawn_file_actions_addopen(fa.get(), 0, spec.in.file.c_str(), O_RDONLY, 0);
        break;
    case StreamSpec::Kind::Inherit:
        break;
    }

    auto setup_output = [&](const StreamSpec& s, int target) {
        switch (s.kind) {
        case StreamSpec::Kind::Null:
            posix_spawn_file_actions_addopen(fa.get(), target, "/dev/null", O_WRONLY, 0);
            break;
        case StreamSpec::Kind::Pipe: {
            if (target != 1) {
                throw std::invalid_argument("ChildProcess: only stdout can be a pipe");
            }
            auto [r, w] = make_pipe();
            out_ = std::move(r);
            child_out = std::move(w);
            posix_spawn_file_actions_adddup2(fa.get(), child_out.get(), target);
            break;
        }
        case StreamSpec::Kind::File:
            posix_spawn_file_actions_addopen(fa.get(), target, s.file.c_str(),
                                             O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
            break;
        case StreamSpec::Kind::Inherit:
            break;
        }
    };
    setup_output(spec.out, 1);
    if (spec.stderr_to_stdout) {
        posix_spawn_file_actions_adddup2(fa.get(), 1, 2);
    } else {
        setup_output(spec.err, 2);
    }

    std::vector<char*> argv;
    argv.reserve(spec.argv.size() + 1);
    for (const auto& a : spec.argv) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);

    int rc = posix_spawnp(&pid_, argv[0], fa.get(), nullptr, argv.data(), environ);
    if (rc != 0) {
        pid_ = -1;
        throw std::system_error(rc, std::generic_category(), "cannot start " + spec.argv[0]);
    }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(other.status_), in_(std::move(other.in_)),
      out_(std::move(other.out_)) {}

ChildProcess::~ChildProcess() {
    kill_and_reap();
}

std::optional<int> ChildProcess::try_wait() {
    if (status_ || pid_ < 0) {
        return status_;
    }
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = st;
    }
    return status_;
}

int ChildProcess::wait() {
    while (!status_ && pid_ >= 0) {
        int st = 0;
        pid_t r = ::waitpid(pid_, &st, 0);
        if (r == pid_) {
            status_ = st;
        } else if (r < 0 && errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "waitpid");
        }
    }
    return status_.value_or(-1);
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!try_wait()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status_;
}

void ChildProcess::signal(int sig) {
    if (pid_ > 0 && !try_wait()) {
        ::kill(pid_, sig);
    }
}

void ChildProcess::kill_and_reap() {
    if (pid_ <= 0 || status_) {
        return;
    }
    signal(SIGKILL);
    try {
        wait();
    } catch (...) { // destructor path: nothing sensible left to do
    }
}

std::string ChildProcess::describe_status(int status) {
    if (WIFEXITED(status)) {
        return "exit " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        const char* name = sigabbrev_np(WTERMSIG(status));
        return std::string("killed by SIG") + (name ? name : std::to_string(WTERMSIG(status)));
    }
    return "status " + std::to_string(status);
}

int ChildProcess::exit_code(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return 255;
}

std::string capture_output(const std::vector<std::string>& argv) {
    SpawnSpec spec;
    spec.argv = argv;
    spec.out = StreamSpec::pipe();
    ChildProcess child(spec);
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(child.stdout_pipe().get(), buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "read from " + argv[0]);
        }
    }
    int st = child.wait();
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        throw std::runtime_error(join(argv, " ") + ": " + ChildProcess::describe_status(st));
    }
    return out;
}

} // namespace vfs
