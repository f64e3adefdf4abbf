#pragma once

#include <map>
#include <string>
#include <vector>

namespace vfs {

// One entry of tests/guest/suites.json: one guest boot running `cmd`.
struct SuiteSpec {
    std::string name;
    std::string cmd;
    std::string cache = "none";
    bool mount = true;
    bool writeback = false;
    std::string opts;
    // Replaces `opts` on the transports it names (Debian's module rejects ours).
    std::map<std::string, std::string> opts_by_transport;
    std::string daemon; // "virtiofsd", "vfsd" (ours), a path; empty: `test --daemon`
    // Appended to the daemon's command line, e.g. vfsd's --inject=RULE.
    std::vector<std::string> daemon_args;
    // vhost-user-fs-pci cache-size= (the DAX window, patched QEMU); "": none
    // unless `test --cache-size` gives one.
    std::string cache_size;
    int timeout = 600;
    int queues = 1;
    std::vector<std::string> transports = {"ours", "debian"};

    bool runs_on(const std::string& transport) const;
    const std::string& opts_for(const std::string& transport) const;
};

// Accepts a JSON array of suites or {"suites": [...]}. Throws
// std::runtime_error naming the file and the offending suite.
std::vector<SuiteSpec> parse_suites(const std::string& json_text, const std::string& origin);
std::vector<SuiteSpec> load_suites(const std::string& file);

} // namespace vfs
