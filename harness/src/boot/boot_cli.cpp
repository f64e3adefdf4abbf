#include "boot/boot_cli.hpp"

#include "util/string_util.hpp"

namespace vfs {

CLI::App* add_boot_subcommand(CLI::App& app, BootCliOptions& o) {
    auto* boot = app.add_subcommand(
        "boot", "boot a guest whose root file system is a host directory on virtio-fs, run CMD "
                "in it once its init is up, shut it down; exit with CMD's status (124 timeout, "
                "125 crash, setup failure or unclean shutdown)");
    auto& b = o.boot;
    auto& r = b.run;
    r.timeout_sec = 600;
    boot->add_option("--root", o.root,
                     "guest root directory (default: a minimal Debian tree of the --kernel's "
                     "release, bookworm or trixie, debootstrapped once into build/rootfs/)")
        ->check(CLI::ExistingDirectory);
    boot->add_option("--initrd", o.initrd,
                     "initramfs to boot (default: build/image/rootfs-initramfs.cpio.gz; e.g. "
                     "ROOT/boot/initrd.img-* made by update-initramfs)")
        ->check(CLI::ExistingFile);
    boot->add_option("--kernel", o.kernel,
                     "kernel image (default: vmlinuz of the --kernel given before the "
                     "subcommand, e.g. build/kernel-trixie/vmlinuz)")
        ->check(CLI::ExistingFile);
    boot->add_option("--rootflags", b.rootflags, "root mount options (rootflags=)");
    boot->add_option("--rootdelay", b.rootdelay,
                     "seconds the initramfs waits for the device and daemon")
        ->capture_default_str();
    boot->add_option("--append", b.append, "more kernel command line arguments");
    boot->add_option("--daemon", r.daemon, "vhost-user-fs backend: virtiofsd (QEMU's) or a PATH")
        ->capture_default_str();
    boot->add_option("--daemon-arg", r.daemon_args, "extra daemon argument, repeatable")
        ->allow_extra_args(false);
    boot->add_option("--cache", r.cache, "daemon cache mode")
        ->check(CLI::IsMember(known_cache_modes()))
        ->capture_default_str();
    boot->add_option("--tag", r.tag, "virtio-fs tag of the root")->capture_default_str();
    boot->add_option("--smp", r.smp, "guest CPUs")->capture_default_str();
    boot->add_option("--mem", r.mem, "guest memory")->capture_default_str();
    boot->add_option("--timeout", r.timeout_sec, "seconds before QEMU and daemon are killed")
        ->capture_default_str();
    boot->add_flag("--keep-logs", r.keep_logs, "keep the run directory even on success");
    boot->add_flag("-q,--quiet", r.quiet, "print only CMD's output, not the whole console");
    boot->add_option("--results", o.results, "parent of run directories (default results/)");
    boot->add_option("cmd", o.command_words, "command run in the guest (after --)")->required();
    return boot;
}

void finish_boot_cli(BootCliOptions& o) {
    auto& b = o.boot;
    b.run.command = join(o.command_words, " ");
    if (!o.root.empty()) {
        b.root = o.root;
    }
    if (!o.initrd.empty()) {
        b.initrd = o.initrd;
    }
    if (!o.kernel.empty()) {
        b.kernel = o.kernel;
    }
    b.validate();
}

} // namespace vfs
