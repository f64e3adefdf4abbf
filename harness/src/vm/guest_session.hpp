#pragma once

#include "util/project_paths.hpp"
#include "vm/console_monitor.hpp"
#include "vm/run_options.hpp"
#include "vm/run_result.hpp"

#include <filesystem>
#include <functional>
#include <string_view>

namespace vfs {

// One guest boot from start to finish: daemon, QEMU, console, requests,
// timeout. Shared by `run` and `test`. Never hangs: every wait has a deadline
// and every child is killed when the session ends.
class GuestSession {
public:
    struct Hooks {
        // Every console line, as classified by the ConsoleMonitor.
        std::function<void(std::string_view, ConsoleMonitor::LineKind)> on_line;
        // Called about once a second (progress output).
        std::function<void()> on_tick;
        // The guest is booted again (see run()): forget its lines so far.
        std::function<void()> on_reboot;
    };

    // run_dir must exist; logs go there.
    GuestSession(ProjectPaths paths, RunOptions options, std::filesystem::path run_dir);
    // Boots the guest and runs the command.  A guest kernel that crashes
    // while booting, before the command and before any loadable module
    // (ours or Debian's transport) was loaded, is booted once more: under
    // TCG, 6.12 now and then trips over its own boot-time code patching
    // (an int3 oops in sched_clock_cpu).  That console log is kept as
    // console-early-crash.log.
    RunResult run(const Hooks& hooks = {});

private:
    RunResult boot(const Hooks& hooks);

    ProjectPaths paths_;
    RunOptions opts_;
    std::filesystem::path run_dir_;
};

} // namespace vfs
