#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>
#include <vfs/unique_fd.hpp>

namespace vfs {

// Where one standard stream of a child goes.
struct StreamSpec {
    enum class Kind { Inherit, Null, Pipe, File };
    Kind kind = Kind::Inherit;
    std::string file; // Kind::File: truncated and written (stdout/stderr)

    static StreamSpec inherit() { return {}; }
    static StreamSpec null() { return {Kind::Null, {}}; }
    static StreamSpec pipe() { return {Kind::Pipe, {}}; }
    static StreamSpec to_file(std::string path) { return {Kind::File, std::move(path)}; }
};

struct SpawnSpec {
    std::vector<std::string> argv;
    StreamSpec in = StreamSpec::null();
    StreamSpec out = StreamSpec::inherit();
    StreamSpec err = StreamSpec::inherit();
    bool stderr_to_stdout = false;
};

// A child process that is killed (SIGKILL) and reaped when the object dies, so
// that no error path of the harness can leave a QEMU or daemon behind.
class ChildProcess {
public:
    explicit ChildProcess(const SpawnSpec& spec);
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&&) = delete;
    ~ChildProcess();

    pid_t pid() const { return pid_; }
    // Pipe ends owned by the parent (invalid unless Kind::Pipe was asked for).
    UniqueFd& stdin_pipe() { return in_; }
    UniqueFd& stdout_pipe() { return out_; }

    // Returns the wait status once the child has exited, without blocking.
    std::optional<int> try_wait();
    int wait();
    // Waits at most `limit`; returns the status if the child exited in time.
    std::optional<int> wait_for(std::chrono::milliseconds limit);
    void signal(int sig);
    // SIGKILL + reap; a no-op once the child was reaped.
    void kill_and_reap();
    bool running() { return !try_wait().has_value(); }

    // "exit 3", "killed by SIGKILL", ...
    static std::string describe_status(int status);
    // Shell-style exit code: the exit status, or 128+signal.
    static int exit_code(int status);

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    UniqueFd in_;
    UniqueFd out_;
};

// Runs a command to completion and returns its stdout; throws on failure.
std::string capture_output(const std::vector<std::string>& argv);

} // namespace vfs
