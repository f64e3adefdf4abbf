#pragma once

#include "util/child_process.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vfs {

// `vfs-harness bench --host-profile`: where the host's CPU time goes while a
// fio job runs in the guest.  begin() starts `perf record -a` on the host
// when the guest announces a job (@@BENCH-BEGIN), end() stops it at the
// job's @@BENCH-END; report() then turns each recording into
// DIR/NAME.txt: the share of samples per thread name (QEMU's vCPU threads
// "CPU n/TCG", its main loop, vfsd's "vfsd-qN" queue threads, idle) and a
// flat profile by thread, binary and symbol.  Recording needs root or
// kernel.perf_event_paranoid <= 0.
class HostPerf {
public:
    // A recording still running when this dies is killed (ChildProcess).
    explicit HostPerf(std::filesystem::path dir, std::string perf = "/usr/bin/perf");

    // Throws std::runtime_error if perf cannot record here.
    static void check_usable(const std::string& perf = "/usr/bin/perf");

    void begin(const std::string& name);
    void end();
    // Writes the reports of every finished recording; returns how many.
    int report();

private:
    std::filesystem::path dir_;
    std::string perf_;
    std::optional<ChildProcess> recorder_;
    std::string current_;
    std::vector<std::string> recorded_;
};

} // namespace vfs
