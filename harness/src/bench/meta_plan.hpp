#pragma once

#include <string>
#include <vector>

namespace vfs {

// One column of the metadata benchmark (`vfs-harness bench --metadata`): a
// guest configuration given entirely as data, so that a column that needs a
// new daemon flag, device property or mount option is only those strings.
struct MetaColumn {
    std::string id;                        // "none", "vtable", "9p", ...
    std::string label;                     // table heading
    std::string transport;                 // ours | debian | 9p
    std::string daemon;                    // vfsd | virtiofsd | PATH (not for 9p)
    std::string cache;                     // daemon cache mode
    std::vector<std::string> daemon_args;  // e.g. {"--version-table"}
    std::vector<std::string> device_props; // vhost-user-fs-pci, e.g. {"version-table-size=16M"}
    std::string opts;                      // guest mount options

    bool uses_daemon() const { return transport != "9p"; }
};

// Every known column, in table order. The baselines of the ratios are the
// columns "none" and "always".
const std::vector<MetaColumn>& meta_columns();
// Throws std::invalid_argument naming the unknown id.
const MetaColumn& meta_column(const std::string& id);

// git-status, git-diff-stat, find, statstorm, headerloop (tests/guest/meta-bench.sh).
const std::vector<std::string>& meta_workloads();

// The guest command of one column's boot; the tree is at MNT/tree.
std::string meta_guest_command(const std::string& mnt, int repeats,
                               const std::vector<std::string>& workloads);

} // namespace vfs
