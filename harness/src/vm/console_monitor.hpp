#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vfs {

// Follows the guest console line by line: the init markers of the guest
// contract (@@VFS-BEGIN, @@VFS-EXIT, @@VFS-DMESG-*) and signs of a kernel
// crash. It only observes; GuestSession decides what to do.
class ConsoleMonitor {
public:
    enum class Phase { Boot, Command, Dmesg, Done };
    // CommandOutput: everything between @@VFS-BEGIN and @@VFS-EXIT (kernel
    // messages printed meanwhile included); Kernel/Other: before or after.
    enum class LineKind { Kernel, Marker, CommandOutput, DmesgOutput, Other };

    LineKind feed(std::string_view line);

    Phase phase() const { return phase_; }
    std::optional<int> exit_code() const { return exit_code_; }
    // Set when init could not load a module or mount (marker @@VFS-SETUP-FAILED).
    const std::string& setup_failure() const { return setup_failure_; }
    bool panicked() const { return panicked_; }
    // The dmesg section has been printed completely; only poweroff remains.
    bool dmesg_complete() const { return dmesg_complete_; }
    // Init is about to call poweroff (marker @@VFS-POWEROFF).
    bool poweroff_started() const { return poweroff_started_; }
    // The first line that showed a panic/oops/warning, empty if none.
    const std::string& crash_line() const { return crash_line_; }
    bool crashed() const { return !crash_line_.empty(); }
    const std::vector<std::string>& command_output() const { return output_; }

    // Exposed for tests: does this dmesg (or console kernel) line indicate a crash?
    static bool is_crash_line(std::string_view line, bool dmesg_section);

private:
    Phase phase_ = Phase::Boot;
    std::optional<int> exit_code_;
    std::string setup_failure_;
    bool panicked_ = false;
    bool dmesg_complete_ = false;
    bool poweroff_started_ = false;
    std::string crash_line_;
    std::vector<std::string> output_;
};

// Prints a console line on stdout, except the dmesg dump (long, and always in
// the console log) and, with only_command, anything outside the command's output.
void echo_console_line(std::string_view line, ConsoleMonitor::LineKind kind, bool only_command);

} // namespace vfs
