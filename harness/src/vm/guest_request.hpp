#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vfs {

// One "@@VFS-REQUEST <id> <verb> [args...]" line from the guest console.
struct GuestRequest {
    std::string id;
    // kill-daemon, restart-daemon, host-write, host-read, host-unlink, host-mkdir
    std::string verb;
    std::string path; // relative to the shared directory (empty for kill-daemon)
    std::string text; // host-write: rest of the line; restart-daemon: "upgrade" or empty
};

// A request line that is recognisably a request but cannot be served; the
// harness answers it with an "err" reply instead of ignoring it, so the guest
// client does not wait forever.
class RequestError : public std::runtime_error {
public:
    RequestError(std::string id, const std::string& what)
        : std::runtime_error(what), id_(std::move(id)) {}
    const std::string& id() const { return id_; }

private:
    std::string id_;
};

inline constexpr std::string_view kRequestMarker = "@@VFS-REQUEST ";
inline constexpr std::string_view kReplyMarker = "@@VFS-REPLY ";

// nullopt when the line carries no request; throws RequestError when it is
// malformed (unknown verb, missing path, absolute path or ".." component).
std::optional<GuestRequest> parse_guest_request(std::string_view line);

// Relative, non-empty, no "..", no NUL: may be joined to the shared dir.
bool is_safe_relative_path(std::string_view path);

// "@@VFS-REPLY <id> ok|err [text]\n" with newlines in text flattened.
std::string format_reply(std::string_view id, bool ok, std::string_view text);

} // namespace vfs
