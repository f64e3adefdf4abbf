#include "image/cpio_writer.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>
#include <vector>

namespace vfs {

namespace {

std::string_view archive_name(std::string_view path) {
    while (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
    }
    if (path.empty()) {
        throw std::invalid_argument("cpio: empty path");
    }
    return path;
}

} // namespace

void CpioWriter::write_raw(const char* data, std::size_t len) {
    out_.write(data, static_cast<std::streamsize>(len));
    if (!out_) {
        throw std::runtime_error("cpio: write failed");
    }
    written_ += len;
}

void CpioWriter::pad4() {
    static const char zeros[4] = {};
    std::size_t rem = written_ % 4;
    if (rem != 0) {
        write_raw(zeros, 4 - rem);
    }
}

void CpioWriter::write_header(std::string_view path, const Header& h) {
    if (finished_) {
        throw std::logic_error("cpio: entry after trailer");
    }
    if (h.size > 0xffffffffULL) {
        throw std::runtime_error("cpio: file too large for newc: " + std::string(path));
    }
    char hdr[111];
    bool trailer = path == "TRAILER!!!";
    std::snprintf(hdr, sizeof hdr, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                  trailer ? 0U : next_ino_++, h.mode, 0U, 0U, h.nlink, 0U,
                  static_cast<unsigned>(h.size), 0U, 0U, h.rdev_major, h.rdev_minor,
                  static_cast<unsigned>(path.size() + 1), 0U);
    write_raw(hdr, 110);
    write_raw(path.data(), path.size());
    write_raw("", 1);
    pad4();
}

void CpioWriter::add_directory(std::string_view path, std::uint32_t perm) {
    write_header(archive_name(path), {S_IFDIR | perm, 0, 2, 0, 0});
}

void CpioWriter::add_file(std::string_view path, std::string_view data, std::uint32_t perm) {
    write_header(archive_name(path), {S_IFREG | perm, data.size(), 1, 0, 0});
    write_raw(data.data(), data.size());
    pad4();
}

void CpioWriter::add_file_from(std::string_view path, const std::string& host_path,
                               std::uint32_t perm) {
    std::ifstream in(host_path, std::ios::binary | std::ios::ate);
    if (!in) {
        throw std::runtime_error("cpio: cannot read " + host_path);
    }
    auto size = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);
    write_header(archive_name(path), {S_IFREG | perm, size, 1, 0, 0});
    std::vector<char> buf(1 << 20);
    std::uint64_t left = size;
    while (left > 0) {
        auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
        in.read(buf.data(), static_cast<std::streamsize>(chunk));
        if (static_cast<std::size_t>(in.gcount()) != chunk) {
            throw std::runtime_error("cpio: " + host_path + " changed while reading");
        }
        write_raw(buf.data(), chunk);
        left -= chunk;
    }
    pad4();
}

void CpioWriter::add_symlink(std::string_view path, std::string_view target) {
    write_header(archive_name(path), {S_IFLNK | 0777, target.size(), 1, 0, 0});
    write_raw(target.data(), target.size());
    pad4();
}

void CpioWriter::add_char_device(std::string_view path, std::uint32_t major, std::uint32_t minor,
                                 std::uint32_t perm) {
    write_header(archive_name(path), {S_IFCHR | perm, 0, 1, major, minor});
}

void CpioWriter::finish() {
    write_header("TRAILER!!!", {0, 0, 1, 0, 0});
    finished_ = true;
    out_.flush();
}

} // namespace vfs
