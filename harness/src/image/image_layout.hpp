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
    // The lock test's real client (tests/locks/check.sh); left out likewise.
    std::string sqlite3 = "/usr/bin/sqlite3";
    bool allow_missing_module = false;
};

// Kernel modules in load order (names without .ko), per the guest contract.
const std::vector<std::string>& base_modules();
const std::vector<std::string>& ninep_modules();
inline const char* kDebianVirtiofsModule = "virtiofs";

// Is module `name` built into the kernel (listed in modules_dir/modules.builtin)?
// Debian 13's 6.12 has virtio, virtio_pci, fuse and virtiofs built in.
bool builtin_module(const std::filesystem::path& modules_dir, const std::string& name);

// Kernel arguments a guest that uses our module needs: a built-in virtiofs
// must not initialise (it would bind the device and take the file system type).
std::string our_module_kernel_args(const std::filesystem::path& modules_dir);

// Regular files below dir (following symlinks), sorted; empty if dir is missing.
std::vector<std::filesystem::path> files_below(const std::filesystem::path& dir);
// Adds the modules `names` from modules_dir (an unpacked lib/modules/<release>)
// at /lib/modules/<release>/... and returns their guest paths in load order.
// Built-in ones are skipped: there is nothing to load.
std::vector<std::string> add_modules(ImageManifest& m, const std::filesystem::path& modules_dir,
                                     const std::string& release,
                                     const std::vector<std::string>& names);
// Adds busybox at /bin/busybox and a symlink for each of its applets.
void add_busybox(ImageManifest& m, const std::string& busybox);
// The guest kernel's release (build/kernel*/release); throws if it is not fetched.
std::string guest_kernel_release(const ProjectPaths& p);

// Collects everything the guest image holds (see Documentation/guest-contract.rst).
// Runs `busybox --list-full` and `ldd fio`; throws with a clear message when an
// input is missing.
ImageManifest describe_image(const ImageInputs& in);

} // namespace vfs
