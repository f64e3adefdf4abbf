#pragma once

#include "suites/test_status.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vfs {

struct TestRecord {
    std::string name; // "suite/test"
    std::string transport;
    TestStatus status = TestStatus::Pass;
    std::string reason;      // SKIP/TODO reason or why a synthetic failure was added
    std::string diagnostics; // TAP diagnostics
    std::string log;         // console log of the boot
    double seconds = 0;      // time since the previous result of the boot (approximate)
};

// One guest boot of one suite on one transport.
struct BootRecord {
    std::string suite;
    std::string transport;
    std::string outcome; // RunResult outcome
    int exit_code = 0;
    double seconds = 0;
    std::string message;
    std::string log;
};

// Results of `vfs-harness test` over suites x columns. A column is a
// transport, or "transport+daemon" when several daemons run. The tested
// columns (default: the first) are the ones under test; the others are
// baselines whose failures alone are reported but not fatal. A tested column
// must pass every test that any other column passes.
class TestReport {
public:
    explicit TestReport(std::vector<std::string> transports, std::vector<std::string> tested = {});

    void add(TestRecord r) { records_.push_back(std::move(r)); }
    void add_boot(BootRecord b) { boots_.push_back(std::move(b)); }
    // Adds a failure on the tested transport for every test that passes on a
    // baseline but produced no result on the tested one although its suite ran.
    void finalize();

    struct Totals {
        int passed = 0, failed = 0, skipped = 0;
    };
    Totals totals(const std::string& transport) const;
    // Summed over the tested columns.
    Totals totals() const;
    // "test on column" for tests failing on a tested column (as first seen).
    std::vector<std::string> failures() const;
    // "test on column": passes on another column but not on this tested one.
    std::vector<std::string> regressions() const;
    const std::vector<std::string>& tested() const { return tested_; }
    int exit_status() const;

    std::string markdown_table() const;
    // "N passed, N failed, N skipped" over the tested columns (what CI reads).
    std::string summary_line() const;
    nlohmann::json to_json() const;

    const std::vector<TestRecord>& records() const { return records_; }

private:
    const TestRecord* find(const std::string& name, const std::string& transport) const;
    std::vector<std::string> test_names() const;
    bool suite_ran(const std::string& suite, const std::string& transport) const;
    void finalize_column(const std::string& tested);

    std::vector<std::string> transports_;
    std::vector<std::string> tested_;
    std::vector<TestRecord> records_;
    std::vector<BootRecord> boots_;
};

} // namespace vfs
