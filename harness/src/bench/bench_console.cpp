#include "bench/bench_console.hpp"

#include "util/string_util.hpp"

#include <stdexcept>

namespace vfs {

namespace {

constexpr std::string_view kBegin = "@@BENCH-BEGIN ";
constexpr std::string_view kEnd = "@@BENCH-END ";
constexpr std::string_view kErr = "@@BENCH-ERR ";
constexpr std::string_view kCounters = "@@BENCH-COUNTERS ";
constexpr std::string_view kIrqs = "@@BENCH-IRQS ";
constexpr std::string_view kLatency = "@@BENCH-LATENCY ";

bool starts_with(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

} // namespace

std::optional<BenchConsoleParser::Block> BenchConsoleParser::feed(std::string_view line) {
    // The console may prefix a marker with the rest of an unterminated line.
    auto at = line.find("@@BENCH-");
    auto marker = at == std::string_view::npos ? std::string_view{} : line.substr(at);
    if (starts_with(marker, kBegin)) {
        current_.emplace();
        try {
            current_->id = std::stoi(std::string(trim(marker.substr(kBegin.size()))));
        } catch (const std::exception&) {
            current_.reset();
        }
        return std::nullopt;
    }
    if (starts_with(marker, "@@BENCH-LAYOUT-DONE")) {
        layout_done_ = true;
        return std::nullopt;
    }
    if (starts_with(marker, "@@BENCH-ALL-DONE")) {
        all_done_ = true;
        return std::nullopt;
    }
    if (starts_with(marker, "@@BENCH-SETUP-FAILED")) {
        setup_failure_ = std::string(trim(marker.substr(20)));
        return std::nullopt;
    }
    if (!current_) {
        return std::nullopt;
    }
    if (starts_with(marker, kErr)) {
        current_->stderr_lines.emplace_back(marker.substr(kErr.size()));
        return std::nullopt;
    }
    if (starts_with(marker, kCounters)) {
        auto f = split_ws(marker.substr(kCounters.size()));
        if (f.size() == 3) {
            try {
                current_->counters =
                    QueueCounters{std::stoll(f[0]), std::stoll(f[1]), std::stoll(f[2])};
            } catch (const std::exception&) {
            }
        }
        return std::nullopt;
    }
    if (starts_with(marker, kLatency)) {
        current_->latency = LatencyHistogram::parse(marker.substr(kLatency.size()));
        return std::nullopt;
    }
    if (starts_with(marker, kIrqs)) {
        try {
            current_->guest_irqs = std::stoll(std::string(trim(marker.substr(kIrqs.size()))));
        } catch (const std::exception&) {
        }
        return std::nullopt;
    }
    if (starts_with(marker, kEnd)) {
        auto f = split_ws(marker.substr(kEnd.size()));
        std::optional<Block> done;
        try {
            if (f.size() >= 2 && std::stoi(f[0]) == current_->id) {
                current_->fio_rc = std::stoi(f[1]);
                if (f.size() >= 4) {
                    current_->seconds = std::stod(f[3]) - std::stod(f[2]);
                }
                done = std::move(current_);
            }
        } catch (const std::exception&) {
        }
        current_.reset();
        return done;
    }
    current_->fio_text += line;
    current_->fio_text += '\n';
    return std::nullopt;
}

} // namespace vfs
