#include "daemon/host_daemon.hpp"

#include "util/string_util.hpp"

#include <deque>
#include <fmt/format.h>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>

namespace vfs {

namespace {

SpawnSpec daemon_spec(const std::vector<std::string>& argv, const std::filesystem::path& log) {
    SpawnSpec s;
    s.argv = argv;
    s.in = StreamSpec::null();
    s.out = StreamSpec::to_file(log.string());
    s.stderr_to_stdout = true;
    return s;
}

bool is_unix_socket(const std::filesystem::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

} // namespace

std::string tail_of_file(const std::filesystem::path& file, std::size_t max_lines) {
    std::ifstream in(file);
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
        last.push_back(line);
        if (last.size() > max_lines) {
            last.pop_front();
        }
    }
    std::string out;
    for (const auto& l : last) {
        out += "  | " + l + "\n";
    }
    return out;
}

HostDaemon::HostDaemon(const std::vector<std::string>& argv, std::filesystem::path socket,
                       std::filesystem::path log)
    : socket_(std::move(socket)), log_(std::move(log)), process_(daemon_spec(argv, log_)) {}

void HostDaemon::wait_ready(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!is_unix_socket(socket_)) {
        if (auto st = process_.try_wait()) {
            throw std::runtime_error(fmt::format(
                "daemon exited before creating {} ({}); log {}:\n{}", socket_.string(),
                ChildProcess::describe_status(*st), log_.string(), tail_of_file(log_, 15)));
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error(fmt::format("daemon did not create {} within {} ms; log {}",
                                                 socket_.string(), limit.count(), log_.string()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void HostDaemon::kill() {
    process_.kill_and_reap();
}

void HostDaemon::stop(std::chrono::milliseconds grace) {
    if (!process_.wait_for(grace)) {
        process_.kill_and_reap();
    }
}

} // namespace vfs
