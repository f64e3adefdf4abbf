#include "bench/host_perf.hpp"

#include <csignal>
#include <fstream>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace vfs {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> report_argv(const std::string& perf, const fs::path& data,
                                     std::vector<std::string> args) {
    std::vector<std::string> argv{perf, "report", "-i", data.string(), "--stdio", "--no-children"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

} // namespace

HostPerf::HostPerf(fs::path dir, std::string perf) : dir_(std::move(dir)), perf_(std::move(perf)) {
    fs::create_directories(dir_);
}

void HostPerf::check_usable(const std::string& perf) {
    if (!fs::exists(perf)) {
        throw std::runtime_error("--host-profile: " + perf +
                                 " is missing (apt-get install linux-perf)");
    }
    ChildProcess probe({{perf, "record", "-a", "-o", "/dev/null", "--", "true"},
                        StreamSpec::null(),
                        StreamSpec::null(),
                        StreamSpec::null(),
                        false});
    if (ChildProcess::exit_code(probe.wait()) != 0) {
        throw std::runtime_error("--host-profile: `perf record -a` fails here (run as root, or "
                                 "set kernel.perf_event_paranoid to 0 or less)");
    }
}

void HostPerf::begin(const std::string& name) {
    end();
    current_ = name;
    // 499 Hz: a few thousand samples per job on two CPUs, and an odd rate so
    // as not to beat with timer ticks.  No call graphs: the reports are flat.
    recorder_.emplace(SpawnSpec{
        {perf_, "record", "-a", "-F", "499", "-q", "-o", (dir_ / (name + ".data")).string()},
        StreamSpec::null(),
        StreamSpec::null(),
        StreamSpec::to_file((dir_ / (name + ".record.log")).string()),
        false});
}

void HostPerf::end() {
    if (!recorder_) {
        return;
    }
    recorder_->signal(SIGINT); // perf record writes its file on SIGINT
    if (!recorder_->wait_for(std::chrono::seconds(30))) {
        spdlog::warn("bench: host perf record for {} did not stop; killed", current_);
        recorder_->kill_and_reap();
    } else {
        recorded_.push_back(current_);
    }
    recorder_.reset();
}

int HostPerf::report() {
    end();
    int n = 0;
    for (const auto& name : recorded_) {
        const auto data = dir_ / (name + ".data");
        const auto out = dir_ / (name + ".txt");
        std::ofstream f(out);
        try {
            f << "# host CPU samples by thread name (idle: swapper)\n"
              << capture_output(
                     report_argv(perf_, data, {"--sort", "comm", "--percent-limit", "0.5"}))
              << "\n# flat profile by thread, binary and symbol (>= 0.5%)\n"
              << capture_output(report_argv(perf_, data,
                                            {"--sort", "comm,dso,sym", "--percent-limit", "0.5"}));
            ++n;
        } catch (const std::exception& e) {
            f << "perf report failed: " << e.what() << "\n";
        }
        fs::remove(data);
        fs::remove(dir_ / (name + ".record.log"));
    }
    recorded_.clear();
    return n;
}

} // namespace vfs
