#pragma once

#include "suites/test_status.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vfs {

struct TapResult {
    std::string name; // nested tests: "parent/child"
    TestStatus status = TestStatus::Pass;
    std::string directive_reason; // text after # SKIP / # TODO
    std::string diagnostics;      // "#" lines and YAML blocks around the result
};

// Incremental TAP reader (TAP 13/14 and kselftest). Nested results -- indented
// by 4 spaces (TAP 14 subtests) or prefixed with "# " (kselftest runner) -- are
// recorded as leaves named parent/child; a parent is recorded itself only when
// it has no children or when it failed although no child did. Anything that is
// not TAP becomes diagnostics of the next result.
class TapParser {
public:
    void feed_line(std::string_view line);
    // Ends the stream: checks the plan, flushes results of unfinished parents.
    void finish();

    const std::vector<TapResult>& results() const { return results_; }
    std::optional<int> planned() const { return plan_; }
    bool bailed_out() const { return bailed_out_; }
    // Number of results at top level seen so far (for progress output).
    std::size_t count() const;

    // Parses one already de-nested "ok"/"not ok" line; exposed for tests.
    static std::optional<TapResult> parse_result_line(std::string_view s);

private:
    void add_result(std::size_t depth, TapResult r);
    void add_diagnostic(std::string_view text);

    std::vector<std::vector<TapResult>> pending_{1}; // index = nesting depth
    std::vector<TapResult> results_;
    std::string diag_;
    std::optional<int> plan_;
    std::size_t top_seen_ = 0;
    bool plan_skip_ = false;
    std::string plan_reason_;
    bool bailed_out_ = false;
    std::string bail_reason_;
    bool in_yaml_ = false;
    bool finished_ = false;
    TapResult* last_ = nullptr; // receives YAML blocks
};

} // namespace vfs
