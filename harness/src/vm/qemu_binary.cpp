#include "vm/qemu_binary.hpp"

#include "util/child_process.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <unistd.h>

namespace vfs {

bool needs_patched_qemu(const RunOptions& o) {
    return o.qemu.empty() && o.uses_daemon() &&
           (parse_cache_size(o.cache_size) != 0 || parse_version_table_size(o.version_table) != 0 ||
            !o.device_props.empty() || o.daemon_reconnect);
}

std::string last_line(const std::string& out) {
    auto end = out.find_last_not_of("\n\r \t");
    if (end == std::string::npos) {
        return {};
    }
    auto begin = out.find_last_of('\n', end);
    begin = begin == std::string::npos ? 0 : begin + 1;
    return out.substr(begin, end + 1 - begin);
}

void resolve_qemu(const ProjectPaths& paths, RunOptions& o) {
    if (!needs_patched_qemu(o)) {
        return;
    }
    auto script = paths.root / "scripts" / "qemu" / "build-qemu-dax.sh";
    spdlog::info("vhost-user-fs-pci cache-size={}, version-table-size={}{}: the patched QEMU "
                 "from {} (about 3 minutes the first time)",
                 o.cache_size, o.version_table, o.daemon_reconnect ? ", reconnecting" : "",
                 script.string());
    // Its progress goes to stderr, which we share; stdout ends with the path.
    auto path = last_line(capture_output({script.string()}));
    if (path.empty() || ::access(path.c_str(), X_OK) != 0) {
        throw std::runtime_error(
            fmt::format("{} did not print an executable QEMU (got '{}')", script.string(), path));
    }
    o.qemu = path;
}

} // namespace vfs
