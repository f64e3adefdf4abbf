#pragma once

#include <filesystem>

namespace vfs {

// Well-known locations inside the repository. The root is found from
// $VFS_ROOT, else from the executable (build/bin/vfs-harness -> ../..), else
// from the current directory, so the harness works from any cwd.
struct ProjectPaths {
    std::filesystem::path root;

    static ProjectPaths discover();

    std::filesystem::path build() const { return root / "build"; }
    std::filesystem::path kernel_dir() const { return build() / "kernel"; }
    std::filesystem::path vmlinuz() const { return kernel_dir() / "vmlinuz"; }
    std::filesystem::path modules_dir() const { return kernel_dir() / "modules"; }
    std::filesystem::path release_file() const { return kernel_dir() / "release"; }
    std::filesystem::path guest_build() const { return build() / "guest"; }
    std::filesystem::path image_dir() const { return build() / "image"; }
    std::filesystem::path image() const { return image_dir() / "initramfs.cpio.gz"; }
    std::filesystem::path our_module() const { return root / "virtio_fs.ko"; }
    std::filesystem::path init_script() const { return root / "harness" / "guest" / "init"; }
    std::filesystem::path fio_jobs() const { return root / "tests" / "fio"; }
    std::filesystem::path suites_file() const { return root / "tests" / "guest" / "suites.json"; }
    std::filesystem::path results() const { return root / "results"; }
};

} // namespace vfs
