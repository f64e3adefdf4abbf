#pragma once

#include "vm/guest_request.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace vfs {

// Carries out guest requests on the host side and produces the reply line.
class GuestRequestHandler {
public:
    // kill_daemon must return only once the daemon is dead; it returns an
    // error text, or "" on success.
    GuestRequestHandler(std::filesystem::path shared_dir, std::function<std::string()> kill_daemon)
        : shared_(std::move(shared_dir)), kill_daemon_(std::move(kill_daemon)) {}

    // restart_daemon(upgrade) kills the daemon and starts it again (the
    // upgrade binary if asked), returning once the new one listens: an error
    // text, or "" on success.  Without it, restart-daemon is refused.
    void on_restart(std::function<std::string(bool)> restart_daemon) {
        restart_daemon_ = std::move(restart_daemon);
    }

    // Full reply line for a console line holding a request (never throws).
    std::string handle_line(std::string_view line);
    std::string handle(const GuestRequest& req);

private:
    // Joins and checks that no symlink leads out of the shared directory.
    std::filesystem::path resolve(const std::string& rel) const;

    std::filesystem::path shared_;
    std::function<std::string()> kill_daemon_;
    std::function<std::string(bool)> restart_daemon_;
};

} // namespace vfs
