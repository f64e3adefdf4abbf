#include "util/project_paths.hpp"

#include <cstdlib>
#include <system_error>

namespace vfs {

namespace {

bool looks_like_root(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::exists(p / "harness" / "guest" / "init", ec) &&
           std::filesystem::exists(p / "Makefile", ec);
}

} // namespace

ProjectPaths ProjectPaths::discover() {
    if (const char* env = std::getenv("VFS_ROOT"); env && *env) {
        return {std::filesystem::absolute(env)};
    }
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        auto candidate = exe.parent_path().parent_path().parent_path();
        if (looks_like_root(candidate)) {
            return {candidate};
        }
    }
    for (auto p = std::filesystem::current_path(); !p.empty(); p = p.parent_path()) {
        if (looks_like_root(p)) {
            return {p};
        }
        if (p == p.root_path()) {
            break;
        }
    }
    return {std::filesystem::current_path()};
}

} // namespace vfs
