#include "image/image_manifest.hpp"

#include "util/sha256.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <stdexcept>
#include <sys/stat.h>

namespace vfs {

void ImageManifest::ensure_parents(const std::string& path) {
    auto parent = std::filesystem::path(path).parent_path().string();
    if (parent.empty() || parent == "/" || contains(parent)) {
        return;
    }
    add_directory(parent);
}

void ImageManifest::add(Entry e) {
    if (e.path.empty() || e.path.front() != '/') {
        throw std::invalid_argument("image path must be absolute: " + e.path);
    }
    if (contains(e.path)) {
        const auto& prev = *std::find_if(entries_.begin(), entries_.end(),
                                         [&](const Entry& x) { return x.path == e.path; });
        // Re-adding the same directory is harmless; anything else is a layout bug.
        if (prev.kind == Entry::Kind::Directory && e.kind == Entry::Kind::Directory) {
            return;
        }
        throw std::runtime_error("image: duplicate path " + e.path);
    }
    ensure_parents(e.path);
    paths_.insert(e.path);
    entries_.push_back(std::move(e));
}

void ImageManifest::add_directory(const std::string& path, std::uint32_t perm) {
    add({Entry::Kind::Directory, path, {}, perm});
}

void ImageManifest::add_host_file(const std::string& path, const std::string& host_path,
                                  std::uint32_t perm) {
    struct stat st {};
    if (::stat(host_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        throw std::runtime_error("image input missing or not a regular file: " + host_path);
    }
    if (perm == 0) {
        perm = st.st_mode & 07777;
    }
    add({Entry::Kind::HostFile, path, host_path, perm});
}

void ImageManifest::add_inline(const std::string& path, std::string data, std::uint32_t perm) {
    add({Entry::Kind::Inline, path, std::move(data), perm});
}

void ImageManifest::add_symlink(const std::string& path, const std::string& target) {
    add({Entry::Kind::Symlink, path, target, 0777});
}

void ImageManifest::add_char_device(const std::string& path, std::uint32_t major,
                                    std::uint32_t minor) {
    add({Entry::Kind::CharDevice, path, {}, 0600, major, minor});
}

std::string ImageManifest::cache_key(int layout_version) const {
    Sha256 h;
    h.update(fmt::format("vfs-image-layout {}\n", layout_version));
    for (const auto& e : entries_) {
        std::string content;
        switch (e.kind) {
        case Entry::Kind::HostFile:
            content = Sha256::hex_of_file(e.source);
            break;
        case Entry::Kind::Inline:
            content = Sha256::hex(e.source);
            break;
        case Entry::Kind::Symlink:
            content = e.source;
            break;
        case Entry::Kind::CharDevice:
            content = fmt::format("{}:{}", e.major, e.minor);
            break;
        case Entry::Kind::Directory:
            break;
        }
        // Length-prefixed fields: no two different manifests serialise alike.
        h.update(fmt::format("{} {}:{} {:o} {}:{}\n", static_cast<int>(e.kind), e.path.size(),
                             e.path, e.perm, content.size(), content));
    }
    return h.hex_digest();
}

void ImageManifest::write_cpio(CpioWriter& writer) const {
    for (const auto& e : entries_) {
        switch (e.kind) {
        case Entry::Kind::Directory:
            writer.add_directory(e.path, e.perm);
            break;
        case Entry::Kind::HostFile:
            writer.add_file_from(e.path, e.source, e.perm);
            break;
        case Entry::Kind::Inline:
            writer.add_file(e.path, e.source, e.perm);
            break;
        case Entry::Kind::Symlink:
            writer.add_symlink(e.path, e.source);
            break;
        case Entry::Kind::CharDevice:
            writer.add_char_device(e.path, e.major, e.minor, e.perm);
            break;
        }
    }
    writer.finish();
}

std::string ImageManifest::listing() const {
    std::string out;
    for (const auto& e : entries_) {
        switch (e.kind) {
        case Entry::Kind::Directory:
            out += fmt::format("dir  {:04o} {}\n", e.perm, e.path);
            break;
        case Entry::Kind::HostFile:
            out += fmt::format("file {:04o} {} <- {}\n", e.perm, e.path, e.source);
            break;
        case Entry::Kind::Inline:
            out += fmt::format("file {:04o} {} ({} bytes generated)\n", e.perm, e.path,
                               e.source.size());
            break;
        case Entry::Kind::Symlink:
            out += fmt::format("link      {} -> {}\n", e.path, e.source);
            break;
        case Entry::Kind::CharDevice:
            out += fmt::format("chr  {:04o} {} {}:{}\n", e.perm, e.path, e.major, e.minor);
            break;
        }
    }
    return out;
}

} // namespace vfs
