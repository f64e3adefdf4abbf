#pragma once

#include "image/cpio_writer.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vfs {

// The list of everything that goes into a guest image, independent of how it
// is written out. Both the cpio archive and the cache key derive from it, so
// the key covers exactly what the image contains.
class ImageManifest {
public:
    struct Entry {
        enum class Kind { Directory, HostFile, Inline, Symlink, CharDevice };
        Kind kind = Kind::Directory;
        std::string path;   // absolute guest path
        std::string source; // HostFile: host path; Inline: data; Symlink: target
        std::uint32_t perm = 0755;
        std::uint32_t major = 0, minor = 0;
    };

    void add_directory(const std::string& path, std::uint32_t perm = 0755);
    // perm 0 means "take the permission bits of the host file".
    void add_host_file(const std::string& path, const std::string& host_path,
                       std::uint32_t perm = 0);
    void add_inline(const std::string& path, std::string data, std::uint32_t perm = 0644);
    void add_symlink(const std::string& path, const std::string& target);
    void add_char_device(const std::string& path, std::uint32_t major, std::uint32_t minor);

    const std::vector<Entry>& entries() const { return entries_; }
    bool contains(const std::string& path) const { return paths_.count(path) != 0; }

    // Hash over every entry (path, kind, mode, file contents) plus the layout
    // version: equal keys mean byte-identical archives.
    std::string cache_key(int layout_version) const;
    void write_cpio(CpioWriter& writer) const;
    // One line per entry, for humans.
    std::string listing() const;

private:
    void ensure_parents(const std::string& path);
    void add(Entry e);

    std::vector<Entry> entries_;
    std::set<std::string> paths_;
};

} // namespace vfs
