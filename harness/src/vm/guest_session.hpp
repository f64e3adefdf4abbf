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
    };

    // run_dir must exist; logs go there.
    GuestSession(ProjectPaths paths, RunOptions options, std::filesystem::path run_dir);
    RunResult run(const Hooks& hooks = {});

private:
    ProjectPaths paths_;
    RunOptions opts_;
    std::filesystem::path run_dir_;
};

} // namespace vfs
