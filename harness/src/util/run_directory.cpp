#include "util/run_directory.hpp"

#include <ctime>
#include <fmt/format.h>
#include <system_error>

namespace vfs {

std::filesystem::path make_run_directory(const std::filesystem::path& parent,
                                         const std::string& label) {
    std::filesystem::create_directories(parent);
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int n = 1;; ++n) {
        auto name =
            n == 1 ? fmt::format("{}-{}", stamp, label) : fmt::format("{}-{}-{}", stamp, label, n);
        auto dir = parent / name;
        std::error_code ec;
        if (std::filesystem::create_directory(dir, ec)) {
            return std::filesystem::absolute(dir);
        }
        if (ec) {
            throw std::system_error(ec, "mkdir " + dir.string());
        }
    }
}

} // namespace vfs
