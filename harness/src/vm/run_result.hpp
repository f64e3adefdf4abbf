#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vfs {

// Exit codes of `vfs-harness run` besides the command's own status.
inline constexpr int kExitTimeout = 124;
inline constexpr int kExitGuestCrash = 125;

// What one guest boot produced.
struct RunResult {
    enum class Outcome { Completed, Timeout, Crash, SetupFailed, Interrupted };
    Outcome outcome = Outcome::Completed;
    int exit_code = 0;   // CMD's status, or kExitTimeout / kExitGuestCrash / 130
    std::string message; // one-line explanation when the outcome is not Completed
    std::string crash_line;
    double seconds = 0;
    std::filesystem::path run_dir;
    std::filesystem::path console_log;
    std::filesystem::path daemon_log;
    std::filesystem::path qemu_log;
    std::filesystem::path shared_dir;
    std::vector<std::string> output; // the command's console output

    bool ok() const { return outcome == Outcome::Completed; }
    nlohmann::json to_json() const;
};

std::string_view to_string(RunResult::Outcome o);

} // namespace vfs
