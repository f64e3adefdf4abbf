#include "bench/meta_plan.hpp"

#include "util/string_util.hpp"

#include <fmt/format.h>
#include <stdexcept>

namespace vfs {

const std::vector<MetaColumn>& meta_columns() {
    static const std::vector<MetaColumn> c = {
        {"none", "ours none", "ours", "vfsd", "none", {}, {}, ""},
        {"auto", "ours auto", "ours", "vfsd", "auto", {}, {}, ""},
        {"always", "ours always", "ours", "vfsd", "always", {}, {}, ""},
        // Issue 10's configuration: cache=none plus the shared-memory version
        // table (patched QEMU, vfsd --version-table).
        {"vtable",
         "ours none+vtable",
         "ours",
         "vfsd",
         "none",
         {"--version-table"},
         {"version-table-size=16M"},
         ""},
        {"9p", "9p cache=none", "9p", "", "none", {}, {}, ""},
    };
    return c;
}

const MetaColumn& meta_column(const std::string& id) {
    for (const auto& c : meta_columns()) {
        if (c.id == id) {
            return c;
        }
    }
    throw std::invalid_argument(fmt::format("--meta-column: '{}' is not a known column", id));
}

const std::vector<std::string>& meta_workloads() {
    static const std::vector<std::string> w = {"git-status", "git-diff-stat", "find", "statstorm",
                                               "headerloop"};
    return w;
}

std::string meta_guest_command(const std::string& mnt, int repeats,
                               const std::vector<std::string>& workloads) {
    return fmt::format("PATH=/opt/vfs/tests:$PATH sh /opt/vfs/tests/meta-bench.sh {}/tree {} {}",
                       mnt, repeats, join(workloads, " "));
}

} // namespace vfs
