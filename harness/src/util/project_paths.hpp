#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vfs {

// Guest kernels by name (Documentation/kernels.rst); the first is the default.
inline const std::vector<std::string>& known_kernels() {
    static const std::vector<std::string> k = {"bookworm", "trixie"};
    return k;
}

// Well-known locations inside the repository. The root is found from
// $VFS_ROOT, else from the executable (build/bin/vfs-harness -> ../..), else
// from the current directory, so the harness works from any cwd.
// The default kernel keeps the original places (build/kernel, build/image,
// ./virtio_fs.ko); another kernel K has build/kernel-K (with its virtio_fs.ko
// from make module KERNEL=K) and build/image-K.
struct ProjectPaths {
    std::filesystem::path root;
    std::string kernel = known_kernels().front(); // --kernel

    static ProjectPaths discover();

    bool default_kernel() const { return kernel == known_kernels().front(); }
    std::filesystem::path build() const { return root / "build"; }
    std::filesystem::path kernel_dir() const {
        return build() / (default_kernel() ? "kernel" : "kernel-" + kernel);
    }
    std::filesystem::path vmlinuz() const { return kernel_dir() / "vmlinuz"; }
    std::filesystem::path modules_dir() const { return kernel_dir() / "modules"; }
    std::filesystem::path release_file() const { return kernel_dir() / "release"; }
    std::filesystem::path guest_build() const { return build() / "guest"; }
    std::filesystem::path image_dir() const {
        return build() / (default_kernel() ? "image" : "image-" + kernel);
    }
    std::filesystem::path image() const { return image_dir() / "initramfs.cpio.gz"; }
    std::filesystem::path our_module() const {
        return default_kernel() ? root / "virtio_fs.ko" : kernel_dir() / "virtio_fs.ko";
    }
    std::filesystem::path init_script() const { return root / "harness" / "guest" / "init"; }
    std::filesystem::path fio_jobs() const { return root / "tests" / "fio"; }
    std::filesystem::path suites_file() const { return root / "tests" / "guest" / "suites.json"; }
    std::filesystem::path results() const { return root / "results"; }
};

} // namespace vfs
