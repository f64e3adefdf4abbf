#pragma once

#include "image/image_manifest.hpp"

#include <filesystem>
#include <string>

namespace vfs {

// Writes a manifest as a gzip-compressed newc archive, skipping the work when
// the cache key stored beside the image (IMAGE.key) still matches.
class ImageBuilder {
public:
    explicit ImageBuilder(std::filesystem::path image) : image_(std::move(image)) {}

    std::filesystem::path key_file() const { return image_.string() + ".key"; }
    // Key of the existing image, empty when there is none.
    std::string stored_key() const;
    bool up_to_date(const std::string& key) const;
    // Builds unconditionally; replaces the image atomically (rename).
    void build(const ImageManifest& manifest, const std::string& key) const;

private:
    std::filesystem::path image_;
};

// Writes the small per-run archive that adds /vfs/run.sh.
std::string make_run_archive(const std::string& command);

// base image + zero padding + per-run archive, as the kernel accepts
// concatenated initramfs archives.
void write_combined_initrd(const std::filesystem::path& base, const std::string& extra,
                           const std::filesystem::path& out);

} // namespace vfs
