#include "util/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <vector>

namespace vfs {

TempDir::TempDir(const std::filesystem::path& parent, const std::string& prefix) {
    std::string templ = (parent / (prefix + "XXXXXX")).string();
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + templ);
    }
    path_ = buf.data();
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)), keep_(other.keep_) {
    other.path_.clear();
}

TempDir::~TempDir() {
    if (!keep_ && !path_.empty()) {
        std::error_code ec; // best effort: never throw from a destructor
        std::filesystem::remove_all(path_, ec);
    }
}

} // namespace vfs
