#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vfs {

// Outcome of one test. Todo is a TAP "not ok ... # TODO": an expected failure,
// counted with the skipped tests.
enum class TestStatus { Pass, Fail, Skip, Todo };

std::string_view to_string(TestStatus s);
// Short upper-case label used in the Markdown table.
std::string_view table_label(TestStatus s);
std::optional<TestStatus> status_from_string(std::string_view s);

} // namespace vfs
