#include "vm/console_monitor.hpp"

#include "util/string_util.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace vfs {

namespace {

// "[    1.234567] ..." -- printk with CONFIG_PRINTK_TIME, as Debian builds it.
bool looks_like_kernel_line(std::string_view s) {
    if (s.empty() || s.front() != '[') {
        return false;
    }
    auto close = s.find(']');
    if (close == std::string_view::npos || close < 3) {
        return false;
    }
    auto inner = trim(s.substr(1, close - 1));
    bool dot = false;
    for (char c : inner) {
        if (c == '.') {
            dot = true;
        } else if (!std::isdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return dot;
}

} // namespace

bool ConsoleMonitor::is_crash_line(std::string_view line, bool dmesg_section) {
    static constexpr std::array<std::string_view, 6> patterns = {
        "Kernel panic", "BUG:", "Oops", "general protection", "Call Trace", "WARNING:"};
    // On the console outside dmesg, only kernel-formatted lines count, so that
    // a test printing "WARNING:" is not mistaken for a kernel warning; and the
    // console shows only loglevel < 4, so WARNING: is left to the dmesg check.
    if (!dmesg_section && !looks_like_kernel_line(line) &&
        line.find("Kernel panic") == std::string_view::npos) {
        return false;
    }
    for (auto p : patterns) {
        if (!dmesg_section && p == "WARNING:") {
            continue;
        }
        if (line.find(p) != std::string_view::npos) {
            return true;
        }
    }
    return false;
}

ConsoleMonitor::LineKind ConsoleMonitor::feed(std::string_view raw) {
    auto line = raw;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
        line.remove_suffix(1);
    }
    if (line.find("Kernel panic - not syncing") != std::string_view::npos) {
        panicked_ = true;
    }

    // Markers may follow other text on the same line if the kernel printed
    // meanwhile, so search rather than compare.
    if (line.find("@@VFS-SETUP-FAILED") != std::string_view::npos) {
        setup_failure_ = std::string(trim(line.substr(line.find("@@VFS-SETUP-FAILED") + 18)));
        return LineKind::Marker;
    }
    if (line.find("@@VFS-BEGIN") != std::string_view::npos && phase_ == Phase::Boot) {
        phase_ = Phase::Command;
        return LineKind::Marker;
    }
    if (auto pos = line.find("@@VFS-EXIT ");
        pos != std::string_view::npos && phase_ <= Phase::Command) {
        auto num = trim(line.substr(pos + 11));
        try {
            exit_code_ = std::stoi(std::string(num));
        } catch (...) {
            exit_code_ = 255;
        }
        phase_ = Phase::Done;
        return LineKind::Marker;
    }
    if (line.find("@@VFS-DMESG-BEGIN") != std::string_view::npos) {
        phase_ = Phase::Dmesg;
        return LineKind::Marker;
    }
    if (line.find("@@VFS-POWEROFF") != std::string_view::npos) {
        poweroff_started_ = true;
        return LineKind::Marker;
    }
    if (line.find("@@VFS-DMESG-END") != std::string_view::npos) {
        phase_ = Phase::Done;
        dmesg_complete_ = true;
        return LineKind::Marker;
    }

    bool in_dmesg = phase_ == Phase::Dmesg;
    if (crash_line_.empty() && is_crash_line(line, in_dmesg)) {
        crash_line_ = std::string(line);
    }
    if (in_dmesg) {
        return LineKind::DmesgOutput;
    }
    if (phase_ == Phase::Command) {
        output_.emplace_back(line);
        return LineKind::CommandOutput;
    }
    return looks_like_kernel_line(line) ? LineKind::Kernel : LineKind::Other;
}

void echo_console_line(std::string_view line, ConsoleMonitor::LineKind kind, bool only_command) {
    bool show = only_command ? kind == ConsoleMonitor::LineKind::CommandOutput
                             : kind != ConsoleMonitor::LineKind::DmesgOutput;
    if (show) {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
    }
}

} // namespace vfs
