#include "boot/root_boot_image.hpp"

#include "image/image_builder.hpp"
#include "image/image_layout.hpp"
#include "util/child_process.hpp"
#include "util/string_util.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace fs = std::filesystem;

namespace vfs {

ImageManifest describe_root_boot_image(const ProjectPaths& p, const std::string& busybox) {
    ImageManifest m;
    for (const char* d : {"/dev", "/proc", "/sys", "/run", "/tmp", "/root", "/etc"}) {
        m.add_directory(d);
    }
    m.add_char_device("/dev/console", 5, 1);
    m.add_host_file("/init", (p.root / "harness" / "guest" / "rootfs-init").string(), 0755);
    m.add_host_file("/scripts/virtiofs",
                    (p.root / "scripts" / "initramfs-tools" / "scripts" / "virtiofs").string(),
                    0644);

    add_busybox(m, busybox);

    auto release = guest_kernel_release(p);
    std::string list;
    for (const auto& guest : add_modules(m, p.modules_dir(), release, base_modules())) {
        list += guest + "\n";
    }
    m.add_inline("/lib/vfs/modules-base.list", list);
    if (!fs::exists(p.our_module())) {
        throw std::runtime_error(p.our_module().string() +
                                 " is missing: build it with `make module`");
    }
    m.add_host_file("/lib/vfs/virtio_fs.ko", p.our_module().string(), 0644);
    m.add_inline("/etc/vfs-release", release + "\n");
    return m;
}

fs::path ensure_root_boot_image(const ProjectPaths& paths) {
    auto image = paths.image_dir() / "rootfs-initramfs.cpio.gz";
    auto manifest = describe_root_boot_image(paths);
    auto key = manifest.cache_key(kRootBootImageLayoutVersion);
    ImageBuilder builder(image);
    if (builder.up_to_date(key)) {
        spdlog::debug("boot: {} is up to date", image.string());
        return image;
    }
    spdlog::info("boot: building {} ({} entries)", image.string(), manifest.entries().size());
    builder.build(manifest, key);
    return image;
}

} // namespace vfs
