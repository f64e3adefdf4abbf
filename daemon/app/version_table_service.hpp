#pragma once

#include "fs/host_change_watcher.hpp"
#include "fs/passthrough_fs.hpp"
#include "fs/version_table.hpp"
#include "vhost/frontend_mapper.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace vfsd {

// The version table with what keeps it true: the host change watcher
// (changes made outside vfsd) and the mapping into the frontend's shared
// memory region 1.  Without CAP_SYS_ADMIN the watcher cannot run, and a
// table that misses host changes would let guests serve stale metadata, so
// then there is no table (a warning says so).
class VersionTableService {
public:
    // size 0: no table.  Must run before capabilities are dropped.
    VersionTableService(const std::string& source, std::uint64_t size);

    // Null when there is no table.
    fs::VersionTable* table() const { return table_.get(); }
    // Where host changes go; call before start().
    void report_to(fs::PassthroughFs& fs) { fs_ = &fs; }
    // Starts the watcher thread (after capabilities were dropped: threads
    // inherit the caller's).
    void start();
    // Maps the table into the frontend whenever a backend channel attaches.
    void share_through(vhost::FrontendMapper& mapper);

private:
    std::unique_ptr<fs::VersionTable> table_;
    std::unique_ptr<fs::HostChangeWatcher> watcher_;
    fs::PassthroughFs* fs_ = nullptr;
};

} // namespace vfsd
