#include "suites/test_status.hpp"

namespace vfs {

std::string_view to_string(TestStatus s) {
    switch (s) {
    case TestStatus::Pass:
        return "pass";
    case TestStatus::Fail:
        return "fail";
    case TestStatus::Skip:
        return "skip";
    case TestStatus::Todo:
        return "todo";
    }
    return "?";
}

std::string_view table_label(TestStatus s) {
    switch (s) {
    case TestStatus::Pass:
        return "PASS";
    case TestStatus::Fail:
        return "FAIL";
    case TestStatus::Skip:
        return "SKIP";
    case TestStatus::Todo:
        return "TODO";
    }
    return "?";
}

std::optional<TestStatus> status_from_string(std::string_view s) {
    for (auto st : {TestStatus::Pass, TestStatus::Fail, TestStatus::Skip, TestStatus::Todo}) {
        if (s == to_string(st)) {
            return st;
        }
    }
    return std::nullopt;
}

} // namespace vfs
