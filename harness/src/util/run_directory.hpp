#pragma once

#include <filesystem>
#include <string>

namespace vfs {

// Creates PARENT/<YYYYmmdd-HHMMSS>-<label>[-N], unique even when called twice
// in the same second.
std::filesystem::path make_run_directory(const std::filesystem::path& parent,
                                         const std::string& label);

} // namespace vfs
