#include "boot/root_init.hpp"

#include "util/string_util.hpp"

#include <algorithm>
#include <vector>

namespace fs = std::filesystem;

namespace vfs {

namespace {

// Enough for the chains distributions make (/sbin/init -> /lib/systemd/systemd,
// /bin -> usr/bin); more means a loop.
constexpr int kMaxLinkHops = 40;

// `guest` resolved inside `root`, component by component, so that a link in
// a directory part (Debian's /sbin -> usr/sbin) is followed too.  Empty when
// a component is missing or the chain is too long.
std::string resolve_in_root(const fs::path& root, const std::string& guest) {
    fs::path done = "/";
    std::vector<std::string> todo;
    for (const auto& part : fs::path(guest).relative_path()) {
        todo.push_back(part.string());
    }
    std::reverse(todo.begin(), todo.end());
    int hops = 0;
    while (!todo.empty()) {
        auto part = todo.back();
        todo.pop_back();
        if (part.empty() || part == ".") {
            continue;
        }
        if (part == "..") {
            done = done.has_relative_path() ? done.parent_path() : done;
            continue;
        }
        auto next = done / part;
        auto host = root / next.relative_path();
        std::error_code ec;
        auto st = fs::symlink_status(host, ec);
        if (ec || !fs::exists(st)) {
            return {};
        }
        if (!fs::is_symlink(st)) {
            done = next;
            continue;
        }
        if (++hops > kMaxLinkHops) {
            return {};
        }
        fs::path target = fs::read_symlink(host, ec);
        if (ec) {
            return {};
        }
        if (target.is_absolute()) {
            done = "/";
        }
        std::vector<std::string> parts;
        for (const auto& p : target.relative_path()) {
            parts.push_back(p.string());
        }
        for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
            todo.push_back(*it);
        }
    }
    return done.string();
}

} // namespace

RootInit detect_root_init(const fs::path& root, const std::string& init) {
    RootInit r;
    r.path = init;
    r.resolved = resolve_in_root(root, init);
    if (r.resolved.empty() || !fs::is_regular_file(root / fs::path(r.resolved).relative_path())) {
        r.kind = RootInit::Kind::Missing;
    } else if (fs::path(r.resolved).filename() == "systemd") {
        r.kind = RootInit::Kind::Systemd;
    } else {
        r.kind = RootInit::Kind::Other;
    }
    return r;
}

std::string init_from_cmdline(const std::string& cmdline) {
    std::string init = "/sbin/init";
    for (const auto& word : split_ws(cmdline)) {
        if (word.rfind("init=", 0) == 0) {
            init = word.substr(5);
        }
    }
    return init;
}

bool root_has_shell(const fs::path& root) {
    auto sh = resolve_in_root(root, "/bin/sh");
    return !sh.empty() && fs::is_regular_file(root / fs::path(sh).relative_path());
}

} // namespace vfs
