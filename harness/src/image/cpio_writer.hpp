#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace vfs {

// Writes a cpio archive in the "newc" (SVR4, no checksum) format the kernel's
// initramfs unpacker reads. Written here rather than via cpio(1) so that device
// nodes (/dev/console) can be added without root and output is reproducible
// (mtime 0, uid/gid 0, inode numbers in insertion order).
class CpioWriter {
public:
    explicit CpioWriter(std::ostream& out) : out_(out) {}

    // Paths are archive paths; a leading '/' is stripped.
    void add_directory(std::string_view path, std::uint32_t perm = 0755);
    void add_file(std::string_view path, std::string_view data, std::uint32_t perm = 0644);
    // Streams the contents of host_path (so large libraries are not held in memory).
    void add_file_from(std::string_view path, const std::string& host_path, std::uint32_t perm);
    void add_symlink(std::string_view path, std::string_view target);
    void add_char_device(std::string_view path, std::uint32_t major, std::uint32_t minor,
                         std::uint32_t perm = 0600);
    // Writes the TRAILER!!! entry; must be called exactly once at the end.
    void finish();

    std::uint64_t bytes_written() const { return written_; }

private:
    struct Header {
        std::uint32_t mode = 0;
        std::uint64_t size = 0;
        std::uint32_t nlink = 1;
        std::uint32_t rdev_major = 0;
        std::uint32_t rdev_minor = 0;
    };
    void write_header(std::string_view path, const Header& h);
    void write_raw(const char* data, std::size_t len);
    void pad4();

    std::ostream& out_;
    std::uint64_t written_ = 0;
    std::uint32_t next_ino_ = 1;
    bool finished_ = false;
};

} // namespace vfs
