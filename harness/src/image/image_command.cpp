#include "cli/commands.hpp"
#include "image/image_builder.hpp"
#include "image/image_layout.hpp"
#include "util/string_util.hpp"

#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace vfs {

int image_command(const ProjectPaths& paths, const ImageCommandOptions& opts) {
    ImageInputs in;
    in.paths = paths;
    in.allow_missing_module = opts.allow_missing_module;

    spdlog::info("image: collecting inputs (busybox, kernel {}, modules, fio, {}, {})",
                 paths.vmlinuz().string(), paths.guest_build().string(), paths.fio_jobs().string());
    auto manifest = describe_image(in);
    if (!manifest.contains("/lib/vfs/virtio_fs.ko")) {
        spdlog::warn("image: {} not found: image has no /lib/vfs/virtio_fs.ko (transport 'ours' "
                     "will fail)",
                     paths.our_module().string());
    }
    std::size_t tests = 0, jobs = 0;
    for (const auto& e : manifest.entries()) {
        tests += e.path.starts_with("/opt/vfs/tests/") ? 1 : 0;
        jobs += e.path.starts_with("/opt/vfs/fio/") ? 1 : 0;
    }
    if (tests == 0) {
        spdlog::warn("image: {} is empty or missing: no guest tests (run `make guest-tests`)",
                     paths.guest_build().string());
    }

    auto key = manifest.cache_key(kImageLayoutVersion);
    ImageBuilder builder(paths.image());
    if (!opts.force && builder.up_to_date(key)) {
        spdlog::info("image: {} is up to date (key {})", paths.image().string(), key.substr(0, 16));
        return 0;
    }
    auto old = builder.stored_key();
    spdlog::info("image: building {} ({} entries, {} test files, {} fio jobs; {})",
                 paths.image().string(), manifest.entries().size(), tests, jobs,
                 opts.force    ? "forced"
                 : old.empty() ? "no previous image"
                               : "inputs changed");
    auto t0 = std::chrono::steady_clock::now();
    builder.build(manifest, key);
    write_file((paths.image_dir() / "manifest.txt").string(), manifest.listing());
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("image: wrote {} ({:.1f} MiB) in {:.1f} s; contents listed in {}",
                 paths.image().string(),
                 static_cast<double>(std::filesystem::file_size(paths.image())) / (1 << 20), secs,
                 (paths.image_dir() / "manifest.txt").string());
    return 0;
}

} // namespace vfs
