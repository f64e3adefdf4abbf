#pragma once

#include "image/image_manifest.hpp"
#include "util/project_paths.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace vfs {

// Bump whenever describe_image() changes what it puts where: it is part of
// the cache key, so old images are rebuilt.
inline constexpr int kImageLayoutVersion = 2;

struct ImageInputs {
    ProjectPaths paths;
    std::string busybox = "/bin/busybox";
    std::string fio = "/usr/bin/fio";
    // The metadata benchmark's git status / git diff; left out when the host
    // has none (that benchmark then says so).
    std::string git = "/usr/bin/git";
    bool allow_missing_module = false;
};

// Kernel modules in load order (names without .ko), per the guest contract.
const std::vector<std::string>& base_modules();
const std::vector<std::string>& ninep_modules();
inline const char* kDebianVirtiofsModule = "virtiofs";

// Regular files below dir (following symlinks), sorted; empty if dir is missing.
std::vector<std::filesystem::path> files_below(const std::filesystem::path& dir);
// Adds the modules `names` from modules_dir (an unpacked lib/modules/<release>)
// at /lib/modules/<release>/... and returns their guest paths in load order.
std::vector<std::string> add_modules(ImageManifest& m, const std::filesystem::path& modules_dir,
                                     const std::string& release,
                                     const std::vector<std::string>& names);

// Collects everything the guest image holds (see Documentation/guest-contract.rst).
// Runs `busybox --list-full` and `ldd fio`; throws with a clear message when an
// input is missing.
ImageManifest describe_image(const ImageInputs& in);

} // namespace vfs
