#include "image/ldd_output.hpp"

#include "util/child_process.hpp"
#include "util/string_util.hpp"

#include <stdexcept>

namespace vfs {

std::vector<std::string> parse_ldd_output(std::string_view text) {
    std::vector<std::string> libs;
    for (const auto& raw : split(text, '\n')) {
        auto line = trim(raw);
        if (line.empty()) {
            continue;
        }
        auto arrow = line.find("=>");
        std::string_view target =
            arrow == std::string_view::npos ? line : trim(line.substr(arrow + 2));
        if (target.starts_with("not found")) {
            throw std::runtime_error("ldd: missing library: " + std::string(line));
        }
        auto paren = target.find(" (");
        if (paren != std::string_view::npos) {
            target = trim(target.substr(0, paren));
        }
        // "linux-vdso.so.1 (0x...)" has no path: the kernel provides it.
        if (!target.starts_with("/")) {
            continue;
        }
        libs.emplace_back(target);
    }
    return libs;
}

std::vector<std::string> shared_libraries_of(const std::string& binary) {
    return parse_ldd_output(capture_output({"ldd", binary}));
}

} // namespace vfs
