#pragma once

#include "image_manifest.hpp"
#include "project_paths.hpp"

#include <string>
#include <vector>

namespace vfs {

// Bump whenever describe_image() changes what it puts where: it is part of
// the cache key, so old images are rebuilt.
inline constexpr int kImageLayoutVersion = 1;

struct ImageInputs {
    ProjectPaths paths;
    std::string busybox = "/bin/busybox";
    std::string fio = "/usr/bin/fio";
    bool allow_missing_module = false;
};

// Kernel modules in load order (names without .ko), per the guest contract.
const std::vector<std::string>& base_modules();
const std::vector<std::string>& ninep_modules();
inline const char* kDebianVirtiofsModule = "virtiofs";

// Collects everything the guest image holds (see Documentation/guest-contract.rst).
// Runs `busybox --list-full` and `ldd fio`; throws with a clear message when an
// input is missing.
ImageManifest describe_image(const ImageInputs& in);

} // namespace vfs
