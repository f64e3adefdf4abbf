#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vfs {

// Parses `ldd BINARY` output into the absolute paths of the libraries (and the
// ELF interpreter) the binary needs; virtual objects such as linux-vdso are
// skipped. Throws if a library is "not found".
std::vector<std::string> parse_ldd_output(std::string_view text);

// Runs ldd on a host binary.
std::vector<std::string> shared_libraries_of(const std::string& binary);

} // namespace vfs
