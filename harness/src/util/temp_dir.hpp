#pragma once

#include <filesystem>
#include <string>

namespace vfs {

// A directory created with mkdtemp() and removed recursively on destruction
// unless keep() was called.
class TempDir {
public:
    // parent must exist; prefix is the start of the directory name.
    TempDir(const std::filesystem::path& parent, const std::string& prefix);
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&&) = delete;
    ~TempDir();

    const std::filesystem::path& path() const { return path_; }
    void keep() { keep_ = true; }

private:
    std::filesystem::path path_;
    bool keep_ = false;
};

} // namespace vfs
