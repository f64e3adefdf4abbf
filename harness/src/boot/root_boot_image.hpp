#pragma once

#include "image/image_manifest.hpp"
#include "util/project_paths.hpp"

#include <filesystem>

namespace vfs {

// Bump when describe_root_boot_image() changes what goes where (cache key).
inline constexpr int kRootBootImageLayoutVersion = 1;

// The initramfs of `boot`: busybox, the virtio stack and virtio_fs.ko, and
// /init = harness/guest/rootfs-init, which mounts root=TAG from virtio-fs
// with the same /scripts/virtiofs the Debian package's initramfs-tools
// integration uses, then switches root to the guest's init.
ImageManifest describe_root_boot_image(const ProjectPaths& paths,
                                       const std::string& busybox = "/bin/busybox");

// build/image/rootfs-initramfs.cpio.gz, rebuilt only when its inputs change.
std::filesystem::path ensure_root_boot_image(const ProjectPaths& paths);

} // namespace vfs
