#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vfs {

std::string_view trim(std::string_view s);
bool starts_with_ci(std::string_view s, std::string_view prefix);
bool contains_ci(std::string_view haystack, std::string_view needle);
// Splits on runs of whitespace; empty fields are dropped.
std::vector<std::string> split_ws(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string read_file(const std::string& path);
void write_file(const std::string& path, std::string_view data);

} // namespace vfs
