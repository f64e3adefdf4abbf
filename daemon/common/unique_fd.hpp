#pragma once

// The project's one UniqueFd (common/vfs/unique_fd.hpp), shared with the harness.
#include <vfs/unique_fd.hpp>

namespace vfsd {
using vfs::UniqueFd;
} // namespace vfsd
