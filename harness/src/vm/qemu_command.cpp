#include "vm/qemu_command.hpp"

#include "daemon/rust_virtiofsd.hpp"

#include <fmt/format.h>

namespace vfs {

std::string kernel_cmdline(const RunOptions& o) {
    auto s = o.cmdline;
    if (s.empty()) {
        // no_timer_check: under TCG on a loaded host, 6.12 sometimes panics
        // in its IO-APIC timer check ("IO-APIC + timer doesn't work!").
        // tsc=reliable: TCG's vCPUs read the host's TSC, but the guest's
        // sync check, timed under emulation, finds them apart and falls
        // back to the HPET, where each clock read (clock_gettime, ktime)
        // is an exit to QEMU's device model under its global lock.
        s = fmt::format("console=ttyS0 loglevel=4 panic=-1 no_timer_check tsc=reliable "
                        "vfs.transport={} "
                        "vfs.tag={} vfs.mount={}",
                        o.transport, o.tag, o.mount ? 1 : 0);
        if (!o.opts.empty()) {
            s += " vfs.opts=" + o.opts;
        }
    }
    if (!o.kernel_args.empty()) {
        s += " " + o.kernel_args;
    }
    return s;
}

std::vector<std::string> daemon_argv(const RunOptions& o, const std::filesystem::path& socket,
                                     const std::filesystem::path& shared) {
    if (o.daemon == RustVirtiofsd::kName) {
        auto argv = RustVirtiofsd::next_to_harness().argv(socket, shared, o.cache, o.writeback);
        argv.insert(argv.end(), o.daemon_args.begin(), o.daemon_args.end());
        return argv;
    }
    std::vector<std::string> argv = {daemon_binary(o.daemon),
                                     "--socket-path=" + socket.string(),
                                     "-o",
                                     "source=" + shared.string(),
                                     "-o",
                                     "cache=" + o.cache};
    if (o.writeback) {
        argv.insert(argv.end(), {"-o", "writeback"});
    }
    if (parse_version_table_size(o.version_table) != 0) {
        argv.push_back("--version-table=" + o.version_table);
    }
    if (o.daemon == "virtiofsd") {
        // Its default namespace sandbox needs privileges containers lack;
        // xattrs are off unless asked for, and the tests use them.
        argv.insert(argv.end(), {"-o", "sandbox=chroot", "-o", "xattr"});
    }
    argv.insert(argv.end(), o.daemon_args.begin(), o.daemon_args.end());
    if (!o.daemon_user.empty()) {
        const auto [uid, gid] = parse_daemon_user(o.daemon_user);
        argv.insert(argv.begin(), {"setpriv", fmt::format("--reuid={}", uid),
                                   fmt::format("--regid={}", gid), "--clear-groups", "--"});
    }
    return argv;
}

std::vector<std::string> qemu_argv(const RunOptions& o, const QemuInputs& in) {
    std::vector<std::string> a = {
        o.qemu.empty() ? in.qemu : o.qemu,
        "-accel",
        "tcg",
        "-cpu",
        o.cpu,
        "-smp",
        std::to_string(o.smp),
        "-m",
        o.mem,
        // vhost-user backends must be able to map guest RAM.
        "-object",
        fmt::format("memory-backend-memfd,id=mem,size={},share=on", o.mem),
        "-numa",
        "node,memdev=mem",
        "-kernel",
        in.kernel.string(),
        "-initrd",
        in.initrd.string(),
        "-append",
        kernel_cmdline(o),
        "-display",
        "none",
        "-serial",
        "stdio",
        "-monitor",
        "none",
        "-nodefaults",
        "-no-user-config",
        "-no-reboot",
        // Names QEMU's threads ("CPU 0/TCG", ...) for host profiles.
        "-name",
        "guest,debug-threads=on",
    };
    if (!o.qemu.empty()) {
        // A QEMU built from source looks for firmware under its own prefix;
        // point it at Debian's SeaBIOS and option ROMs.
        a.insert(a.end(), {"-L", "/usr/share/seabios", "-L", "/usr/share/qemu"});
    }
    if (o.transport == "9p") {
        a.insert(a.end(),
                 {"-virtfs", fmt::format("local,path={},mount_tag={},security_model=none,id=h0",
                                         in.shared.string(), o.tag)});
    } else {
        auto dev = fmt::format("vhost-user-fs-pci,chardev=c0,tag={},queue-size=1024,"
                               "num-request-queues={}",
                               o.tag, o.queues);
        if (parse_cache_size(o.cache_size) != 0) {
            dev += ",cache-size=" + o.cache_size;
        }
        if (parse_version_table_size(o.version_table) != 0) {
            dev += ",version-table-size=" + o.version_table;
        }
        for (const auto& p : o.device_props) {
            dev += "," + p;
        }
        a.insert(a.end(), {"-chardev",
                           fmt::format("socket,id=c0,path={}{}", in.socket.string(),
                                       o.daemon_reconnect ? ",reconnect=1" : ""),
                           "-device", dev});
    }
    return a;
}

} // namespace vfs
