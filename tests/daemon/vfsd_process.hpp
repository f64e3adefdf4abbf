#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace vfsd::test {

// The real vfsd binary serving a scratch directory: base/share is shared,
// base/outside is host territory it must never touch, base/sock its socket
// and base/log its stderr.
class VfsdProcess {
public:
    explicit VfsdProcess(std::vector<std::string> extra_args = {});
    // A successor serving a predecessor's scratch tree (restart tests); the
    // tree stays the predecessor's, which must outlive this one.
    VfsdProcess(std::vector<std::string> extra_args, const VfsdProcess& predecessor);
    ~VfsdProcess();
    VfsdProcess(const VfsdProcess&) = delete;
    VfsdProcess& operator=(const VfsdProcess&) = delete;

    // Waits (up to 10 s) for the socket; false if vfsd exited first.
    bool wait_ready();
    // The process that serves: the confined child in namespace mode, else
    // the one started.  0 if there is none (yet).
    pid_t server_pid() const;
    pid_t started_pid() const { return pid_; }
    // Still running (not reaped)?
    bool running();
    // SIGTERM, then the exit status (waitpid's) within 10 s, or -1.
    int stop();
    // SIGKILL to the started process and the server, then reaped.
    void kill_hard();
    std::string log() const;

    const std::filesystem::path base, share, outside, socket;

private:
    void start(const std::vector<std::string>& extra_args);

    bool owns_base_ = true;
    pid_t pid_ = -1;
    int status_ = -1;
};

// Reads a whole (small) file; empty if it cannot be read.
std::string read_text(const std::filesystem::path& path);

} // namespace vfsd::test
