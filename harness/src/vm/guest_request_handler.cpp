#include "vm/guest_request_handler.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace fs = std::filesystem;

namespace vfs {

fs::path GuestRequestHandler::resolve(const std::string& rel) const {
    auto base = fs::weakly_canonical(shared_);
    auto full = fs::weakly_canonical(shared_ / rel);
    auto [b, f] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
    if (b != base.end()) {
        throw std::runtime_error("path leaves the shared directory: " + rel);
    }
    return shared_ / rel; // not the canonical one: unlink must not follow a final symlink
}

std::string GuestRequestHandler::handle(const GuestRequest& req) {
    try {
        if (req.verb == "kill-daemon") {
            auto err = kill_daemon_ ? kill_daemon_() : std::string("no daemon");
            return format_reply(req.id, err.empty(), err);
        }
        if (req.verb == "restart-daemon") {
            auto err = restart_daemon_ ? restart_daemon_(req.text == "upgrade")
                                       : std::string("no --daemon-reconnect: cannot restart");
            return format_reply(req.id, err.empty(), err);
        }
        auto path = resolve(req.path);
        if (req.verb == "host-write") {
            std::ofstream out(path, std::ios::trunc);
            out << req.text << '\n';
            out.close();
            if (!out) {
                return format_reply(req.id, false, "cannot write " + req.path);
            }
            return format_reply(req.id, true, "");
        }
        if (req.verb == "host-read") {
            std::ifstream in(path);
            if (!in) {
                return format_reply(req.id, false, std::string(std::strerror(errno)));
            }
            std::string first;
            std::getline(in, first);
            return format_reply(req.id, true, first);
        }
        if (req.verb == "host-unlink") {
            std::error_code ec;
            if (!fs::remove(path, ec)) {
                return format_reply(req.id, false, ec ? ec.message() : "no such file");
            }
            return format_reply(req.id, true, "");
        }
        if (req.verb == "host-mkdir") {
            std::error_code ec;
            if (!fs::create_directory(path, ec)) {
                return format_reply(req.id, false, ec ? ec.message() : "exists");
            }
            return format_reply(req.id, true, "");
        }
        return format_reply(req.id, false, "unknown verb " + req.verb);
    } catch (const std::exception& e) {
        return format_reply(req.id, false, e.what());
    }
}

std::string GuestRequestHandler::handle_line(std::string_view line) {
    try {
        auto req = parse_guest_request(line);
        if (!req) {
            return {};
        }
        return handle(*req);
    } catch (const RequestError& e) {
        return format_reply(e.id(), false, e.what());
    }
}

} // namespace vfs
