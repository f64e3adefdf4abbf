#include "vm/guest_request.hpp"

#include "util/string_util.hpp"

#include <algorithm>
#include <array>

namespace vfs {

namespace {

// Splits off the first space-separated word.
std::string_view take_word(std::string_view& s) {
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    auto end = s.find(' ');
    auto word = s.substr(0, end);
    s = end == std::string_view::npos ? std::string_view{} : s.substr(end + 1);
    return word;
}

} // namespace

bool is_safe_relative_path(std::string_view path) {
    if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
        return false;
    }
    for (const auto& comp : split(path, '/')) {
        if (comp == "..") {
            return false;
        }
    }
    return true;
}

std::optional<GuestRequest> parse_guest_request(std::string_view line) {
    auto pos = line.find(kRequestMarker);
    if (pos == std::string_view::npos) {
        return std::nullopt;
    }
    auto rest = line.substr(pos + kRequestMarker.size());
    while (!rest.empty() && (rest.back() == '\r' || rest.back() == '\n')) {
        rest.remove_suffix(1);
    }
    GuestRequest r;
    r.id = std::string(take_word(rest));
    if (r.id.empty()) {
        throw RequestError("?", "request without id");
    }
    r.verb = std::string(take_word(rest));
    static constexpr std::array<std::string_view, 4> path_verbs = {"host-write", "host-read",
                                                                   "host-unlink", "host-mkdir"};
    if (r.verb == "kill-daemon") {
        return r;
    }
    if (r.verb == "restart-daemon") {
        r.text = std::string(take_word(rest));
        if (!r.text.empty() && r.text != "upgrade") {
            throw RequestError(r.id, "restart-daemon: '" + r.text + "' is not 'upgrade'");
        }
        return r;
    }
    if (std::find(path_verbs.begin(), path_verbs.end(), r.verb) == path_verbs.end()) {
        throw RequestError(r.id, "unknown verb '" + r.verb + "'");
    }
    r.path = std::string(take_word(rest));
    if (r.path.empty()) {
        throw RequestError(r.id, r.verb + ": missing PATH");
    }
    if (!is_safe_relative_path(r.path)) {
        throw RequestError(r.id, r.verb + ": refused path '" + r.path +
                                     "' (must be relative, without '..')");
    }
    if (r.verb == "host-write") {
        r.text = std::string(rest);
    }
    return r;
}

std::string format_reply(std::string_view id, bool ok, std::string_view text) {
    std::string out(kReplyMarker);
    out += id;
    out += ok ? " ok" : " err";
    if (!text.empty()) {
        out += ' ';
        for (char c : text) {
            out += (c == '\n' || c == '\r') ? ' ' : c;
        }
    }
    out += '\n';
    return out;
}

} // namespace vfs
