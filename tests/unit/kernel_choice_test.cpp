#include "image/image_layout.hpp"
#include "util/project_paths.hpp"
#include "util/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

TEST_CASE("the default kernel keeps the original build paths", "[kernel]") {
    vfs::ProjectPaths p{"/r"};
    CHECK(p.kernel == "bookworm");
    CHECK(p.kernel_dir() == "/r/build/kernel");
    CHECK(p.image_dir() == "/r/build/image");
    CHECK(p.our_module() == "/r/virtio_fs.ko");
    p.kernel = "trixie";
    CHECK(p.kernel_dir() == "/r/build/kernel-trixie");
    CHECK(p.modules_dir() == "/r/build/kernel-trixie/modules");
    CHECK(p.image_dir() == "/r/build/image-trixie");
    CHECK(p.our_module() == "/r/build/kernel-trixie/virtio_fs.ko");
}

TEST_CASE("built-in modules are read from modules.builtin", "[kernel]") {
    vfs::TempDir dir(std::filesystem::temp_directory_path(), "vfs-builtin-");
    CHECK_FALSE(vfs::builtin_module(dir.path(), "fuse"));
    CHECK(vfs::our_module_kernel_args(dir.path()).empty());
    std::ofstream(dir.path() / "modules.builtin")
        << "kernel/fs/fuse/fuse.ko\nkernel/fs/fuse/virtiofs.ko\n";
    CHECK(vfs::builtin_module(dir.path(), "fuse"));
    CHECK(vfs::builtin_module(dir.path(), "virtiofs"));
    CHECK_FALSE(vfs::builtin_module(dir.path(), "virtio_fs"));
    CHECK(vfs::our_module_kernel_args(dir.path()) == "initcall_blacklist=virtio_fs_init");
}
