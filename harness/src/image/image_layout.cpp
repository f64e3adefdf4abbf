#include "image/image_layout.hpp"

#include "image/ldd_output.hpp"
#include "util/child_process.hpp"
#include "util/string_util.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <stdexcept>

namespace fs = std::filesystem;

namespace vfs {

const std::vector<std::string>& base_modules() {
    static const std::vector<std::string> m = {
        "virtio_ring",           "virtio",     "virtio_pci_legacy_dev",
        "virtio_pci_modern_dev", "virtio_pci", "fuse"};
    return m;
}

const std::vector<std::string>& ninep_modules() {
    static const std::vector<std::string> m = {"netfs", "fscache", "9pnet", "9pnet_virtio", "9p"};
    return m;
}

// Files of a directory tree, sorted so that the manifest (and thus the
// archive) does not depend on readdir order.
std::vector<fs::path> files_below(const fs::path& dir) {
    std::vector<fs::path> out;
    if (!fs::is_directory(dir)) {
        return out;
    }
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) { // follows symlinks to files
            out.push_back(e.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool builtin_module(const fs::path& modules_dir, const std::string& name) {
    std::ifstream in(modules_dir / "modules.builtin");
    std::string line;
    while (std::getline(in, line)) {
        if (fs::path(line).stem() == name) {
            return true;
        }
    }
    return false;
}

std::string our_module_kernel_args(const fs::path& modules_dir) {
    return builtin_module(modules_dir, kDebianVirtiofsModule) ? "initcall_blacklist=virtio_fs_init"
                                                              : "";
}

// Adds the modules named in `names` and returns their guest paths in order.
std::vector<std::string> add_modules(ImageManifest& m, const fs::path& modules_dir,
                                     const std::string& release,
                                     const std::vector<std::string>& names) {
    static std::map<std::string, fs::path> index; // name -> path relative to modules_dir
    if (index.empty()) {
        for (const auto& f : files_below(modules_dir / "kernel")) {
            if (f.extension() == ".ko") {
                index.emplace(f.stem().string(), fs::relative(f, modules_dir));
            }
        }
    }
    std::vector<std::string> guest_paths;
    for (const auto& name : names) {
        if (builtin_module(modules_dir, name)) {
            continue;
        }
        auto it = index.find(name);
        // fscache is part of netfs.ko since Linux 6.4 (Debian 13's 6.12).
        if (it == index.end() && name == "fscache" && index.count("netfs")) {
            continue;
        }
        if (it == index.end()) {
            throw std::runtime_error(
                fmt::format("module {}.ko not found under {}", name, modules_dir.string()));
        }
        auto guest = fmt::format("/lib/modules/{}/{}", release, it->second.string());
        if (!m.contains(guest)) {
            m.add_host_file(guest, (modules_dir / it->second).string(), 0644);
        }
        guest_paths.push_back(guest);
    }
    return guest_paths;
}

namespace {

std::string lines(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) {
        s += x + "\n";
    }
    return s;
}

} // namespace

void add_busybox(ImageManifest& m, const std::string& busybox) {
    m.add_host_file("/bin/busybox", busybox, 0755);
    for (const auto& applet : split_ws(capture_output({busybox, "--list-full"}))) {
        auto guest = "/" + applet;
        if (guest != "/bin/busybox" && !m.contains(guest)) {
            m.add_symlink(guest, "/bin/busybox");
        }
    }
}

std::string guest_kernel_release(const ProjectPaths& p) {
    if (!fs::exists(p.release_file())) {
        throw std::runtime_error("guest kernel missing: " + p.release_file().string() +
                                 " (run `make kernel`)");
    }
    return std::string(trim(read_file(p.release_file().string())));
}

ImageManifest describe_image(const ImageInputs& in) {
    const auto& p = in.paths;
    ImageManifest m;

    for (const char* d : {"/dev", "/proc", "/sys", "/tmp", "/mnt", "/root", "/vfs", "/etc"}) {
        m.add_directory(d);
    }
    // The kernel opens /dev/console before devtmpfs is mounted; without the
    // node init would start with no stdout.
    m.add_char_device("/dev/console", 5, 1);
    m.add_host_file("/init", p.init_script().string(), 0755);

    // busybox and its applets
    add_busybox(m, in.busybox);

    // kernel modules, with load lists the init script reads
    auto release = guest_kernel_release(p);
    m.add_inline("/lib/vfs/modules-base.list",
                 lines(add_modules(m, p.modules_dir(), release, base_modules())));
    m.add_inline("/lib/vfs/modules-debian.list",
                 lines(add_modules(m, p.modules_dir(), release, {kDebianVirtiofsModule})));
    m.add_inline("/lib/vfs/modules-9p.list",
                 lines(add_modules(m, p.modules_dir(), release, ninep_modules())));
    if (fs::exists(p.our_module())) {
        m.add_host_file("/lib/vfs/virtio_fs.ko", p.our_module().string(), 0644);
    } else if (!in.allow_missing_module) {
        throw std::runtime_error(p.our_module().string() +
                                 " is missing: build it with `make module`, or pass "
                                 "--allow-missing-module for an image without it");
    }

    // fio, git (builtins only: status and diff need no git-core helpers),
    // sqlite3 and the shared libraries they need
    m.add_host_file("/usr/bin/fio", in.fio, 0755);
    std::vector<std::string> dynamic = {in.fio};
    if (!in.git.empty() && fs::exists(in.git)) {
        m.add_host_file("/usr/bin/git", in.git, 0755);
        dynamic.push_back(in.git);
    }
    if (!in.sqlite3.empty() && fs::exists(in.sqlite3)) {
        m.add_host_file("/usr/bin/sqlite3", in.sqlite3, 0755);
        dynamic.push_back(in.sqlite3);
    }
    for (const auto& bin : dynamic) {
        for (const auto& lib : shared_libraries_of(bin)) {
            if (!m.contains(lib)) {
                m.add_host_file(lib, lib, 0755);
            }
        }
    }

    // test programs and fio job files
    m.add_directory("/opt/vfs/tests");
    for (const auto& f : files_below(p.guest_build())) {
        m.add_host_file("/opt/vfs/tests/" + fs::relative(f, p.guest_build()).string(), f.string());
    }
    m.add_directory("/opt/vfs/fio");
    for (const auto& f : files_below(p.fio_jobs())) {
        m.add_host_file("/opt/vfs/fio/" + fs::relative(f, p.fio_jobs()).string(), f.string(), 0644);
    }
    m.add_inline("/etc/vfs-release", release + "\n");
    return m;
}

} // namespace vfs
