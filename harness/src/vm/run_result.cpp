#include "vm/run_result.hpp"

namespace vfs {

std::string_view to_string(RunResult::Outcome o) {
    switch (o) {
    case RunResult::Outcome::Completed:
        return "completed";
    case RunResult::Outcome::Timeout:
        return "timeout";
    case RunResult::Outcome::Crash:
        return "crash";
    case RunResult::Outcome::SetupFailed:
        return "setup-failed";
    case RunResult::Outcome::Interrupted:
        return "interrupted";
    }
    return "?";
}

nlohmann::json RunResult::to_json() const {
    return {{"outcome", to_string(outcome)},
            {"exit_code", exit_code},
            {"message", message},
            {"crash_line", crash_line},
            {"seconds", seconds},
            {"run_dir", run_dir.string()},
            {"console_log", console_log.string()},
            {"daemon_log", daemon_log.string()},
            {"qemu_log", qemu_log.string()}};
}

} // namespace vfs
