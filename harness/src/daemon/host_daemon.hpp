#pragma once

#include "util/child_process.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vfs {

// The vhost-user-fs backend process (virtiofsd or our own daemon). It is
// started before QEMU and is ready once its socket exists.
class HostDaemon {
public:
    HostDaemon(const std::vector<std::string>& argv, std::filesystem::path socket,
               std::filesystem::path log);

    // Waits for the socket to appear; throws (with the log tail) if the daemon
    // exits first or the limit passes.
    void wait_ready(std::chrono::milliseconds limit);
    // SIGKILL and reap; returns once the process is gone.
    void kill();
    // Lets it exit by itself (virtiofsd exits when the VM disconnects), then kills.
    void stop(std::chrono::milliseconds grace);
    bool running() { return process_.running(); }
    std::optional<int> exit_status() { return process_.try_wait(); }
    const std::filesystem::path& log() const { return log_; }

private:
    std::filesystem::path socket_;
    std::filesystem::path log_;
    ChildProcess process_;
};

// Last `max_lines` lines of a (log) file, for error messages.
std::string tail_of_file(const std::filesystem::path& file, std::size_t max_lines);

} // namespace vfs
