#include "report/test_report.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace vfs {

namespace {

std::string suite_of(const std::string& test) {
    return test.substr(0, test.find('/'));
}

// Markdown cells must not contain '|' or newlines.
std::string cell(std::string s) {
    for (auto& c : s) {
        if (c == '|' || c == '\n') {
            c = ' ';
        }
    }
    return s;
}

} // namespace

TestReport::TestReport(std::vector<std::string> transports, std::vector<std::string> tested)
    : transports_(std::move(transports)), tested_(std::move(tested)) {
    if (tested_.empty() && !transports_.empty()) {
        tested_.push_back(transports_.front());
    }
}

const TestRecord* TestReport::find(const std::string& name, const std::string& transport) const {
    for (const auto& r : records_) {
        if (r.name == name && r.transport == transport) {
            return &r;
        }
    }
    return nullptr;
}

std::vector<std::string> TestReport::test_names() const {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto& r : records_) {
        if (seen.insert(r.name).second) {
            names.push_back(r.name);
        }
    }
    return names;
}

bool TestReport::suite_ran(const std::string& suite, const std::string& transport) const {
    return std::any_of(boots_.begin(), boots_.end(), [&](const BootRecord& b) {
        return b.suite == suite && b.transport == transport;
    });
}

void TestReport::finalize() {
    for (const auto& tested : tested_) {
        finalize_column(tested);
    }
}

void TestReport::finalize_column(const std::string& tested) {
    for (const auto& name : test_names()) {
        if (find(name, tested) || !suite_ran(suite_of(name), tested)) {
            continue;
        }
        for (const auto& other : transports_) {
            const auto* base = other == tested ? nullptr : find(name, other);
            if (base && base->status == TestStatus::Pass) {
                std::string log;
                for (const auto& b : boots_) {
                    if (b.suite == suite_of(name) && b.transport == tested) {
                        log = b.log;
                    }
                }
                add({name,
                     tested,
                     TestStatus::Fail,
                     fmt::format("no result on {} but passes on {}", tested, other),
                     {},
                     log});
                break;
            }
        }
    }
}

TestReport::Totals TestReport::totals(const std::string& transport) const {
    Totals t;
    for (const auto& r : records_) {
        if (r.transport != transport) {
            continue;
        }
        switch (r.status) {
        case TestStatus::Pass:
            ++t.passed;
            break;
        case TestStatus::Fail:
            ++t.failed;
            break;
        case TestStatus::Skip:
        case TestStatus::Todo:
            ++t.skipped;
            break;
        }
    }
    return t;
}

TestReport::Totals TestReport::totals() const {
    Totals sum;
    for (const auto& c : tested_) {
        auto t = totals(c);
        sum.passed += t.passed;
        sum.failed += t.failed;
        sum.skipped += t.skipped;
    }
    return sum;
}

std::vector<std::string> TestReport::failures() const {
    std::vector<std::string> out;
    for (const auto& r : records_) {
        if (r.status == TestStatus::Fail &&
            std::find(tested_.begin(), tested_.end(), r.transport) != tested_.end()) {
            out.push_back(tested_.size() > 1 ? r.name + " on " + r.transport : r.name);
        }
    }
    return out;
}

std::vector<std::string> TestReport::regressions() const {
    std::vector<std::string> out;
    for (const auto& tested : tested_) {
        for (const auto& name : test_names()) {
            const auto* ours = find(name, tested);
            if (ours && ours->status != TestStatus::Fail) {
                continue; // passed, or skipped on ours: not a regression
            }
            for (const auto& other : transports_) {
                const auto* base = other == tested ? nullptr : find(name, other);
                if (base && base->status == TestStatus::Pass &&
                    (ours || suite_ran(suite_of(name), tested))) {
                    out.push_back(tested_.size() > 1 ? name + " on " + tested : name);
                    break;
                }
            }
        }
    }
    return out;
}

int TestReport::exit_status() const {
    return failures().empty() && regressions().empty() ? 0 : 1;
}

std::string TestReport::markdown_table() const {
    std::string out = "| test |";
    std::string rule = "|---|";
    for (const auto& t : transports_) {
        out += " " + t + " |";
        rule += "---|";
    }
    out += "\n" + rule + "\n";
    for (const auto& name : test_names()) {
        out += "| " + cell(name) + " |";
        for (const auto& t : transports_) {
            const auto* r = find(name, t);
            out += " " + std::string(r ? table_label(r->status) : "-") + " |";
        }
        out += "\n";
    }
    return out;
}

std::string TestReport::summary_line() const {
    auto t = totals();
    return fmt::format("{} passed, {} failed, {} skipped", t.passed, t.failed, t.skipped);
}

nlohmann::json TestReport::to_json() const {
    nlohmann::json tests = nlohmann::json::array();
    for (const auto& r : records_) {
        tests.push_back({{"name", r.name},
                         {"transport", r.transport},
                         {"status", to_string(r.status)},
                         {"reason", r.reason},
                         {"diagnostics", r.diagnostics},
                         {"log", r.log},
                         {"seconds", r.seconds}});
    }
    nlohmann::json boots = nlohmann::json::array();
    for (const auto& b : boots_) {
        boots.push_back({{"suite", b.suite},
                         {"transport", b.transport},
                         {"outcome", b.outcome},
                         {"exit_code", b.exit_code},
                         {"seconds", b.seconds},
                         {"message", b.message},
                         {"log", b.log}});
    }
    nlohmann::json totals_json = nlohmann::json::object();
    for (const auto& t : transports_) {
        auto x = totals(t);
        totals_json[t] = {{"passed", x.passed}, {"failed", x.failed}, {"skipped", x.skipped}};
    }
    return {{"transports", transports_},
            {"tested", tested_},
            {"totals", totals_json},
            {"regressions", regressions()},
            {"exit_status", exit_status()},
            {"boots", boots},
            {"tests", tests}};
}

} // namespace vfs
