#include "suites/tap_parser.hpp"

#include "util/string_util.hpp"

#include <cctype>
#include <map>

namespace vfs {

namespace {

constexpr std::size_t kMaxDiag = 4096;

struct Peeled {
    std::size_t depth = 0;
    std::string_view rest;
};

// Strips nesting prefixes ("    " or "# ") as long as what remains is still
// a line that could be TAP.
Peeled peel(std::string_view line) {
    Peeled p{0, line};
    for (;;) {
        if (p.rest.starts_with("    ")) {
            p.rest.remove_prefix(4);
        } else if (p.rest.starts_with("\t")) {
            p.rest.remove_prefix(1);
        } else if (p.rest.starts_with("# ")) {
            p.rest.remove_prefix(2);
        } else {
            break;
        }
        ++p.depth;
    }
    return p;
}

bool is_plan(std::string_view s) {
    return s.starts_with("1..") && s.size() > 3 && std::isdigit(static_cast<unsigned char>(s[3]));
}

bool is_result(std::string_view s) {
    auto after = [&](std::string_view kw) {
        return s.starts_with(kw) &&
               (s.size() == kw.size() || std::isspace(static_cast<unsigned char>(s[kw.size()])));
    };
    return after("ok") || after("not ok");
}

bool is_tap_line(std::string_view s) {
    return is_result(s) || is_plan(s) || s.starts_with("TAP version") || s.starts_with("Bail out!");
}

} // namespace

std::optional<TapResult> TapParser::parse_result_line(std::string_view s) {
    if (!is_result(s)) {
        return std::nullopt;
    }
    TapResult r;
    bool ok = s.starts_with("ok");
    s.remove_prefix(ok ? 2 : 6);
    s = trim(s);
    std::string number;
    while (!s.empty() && std::isdigit(static_cast<unsigned char>(s.front()))) {
        number += s.front();
        s.remove_prefix(1);
    }
    s = trim(s);
    if (s.starts_with("- ") || s == "-") {
        s = trim(s.substr(1));
    }
    // Directive: "# SKIP reason" / "# TODO reason" (case-insensitive; "skipped" too).
    std::string_view directive;
    for (std::size_t pos = s.find('#'); pos != std::string_view::npos; pos = s.find('#', pos + 1)) {
        if (pos > 0 && s[pos - 1] == '\\') {
            continue;
        }
        auto d = trim(s.substr(pos + 1));
        if (starts_with_ci(d, "skip") || starts_with_ci(d, "todo")) {
            directive = d;
            s = trim(s.substr(0, pos));
            break;
        }
    }
    r.name = std::string(s);
    if (r.name.empty()) {
        r.name = number.empty() ? "unnamed" : "test " + number;
    }
    if (starts_with_ci(directive, "skip")) {
        r.status = ok ? TestStatus::Skip : TestStatus::Fail; // "not ok # SKIP" stays a failure
        auto reason = directive.substr(4);
        while (!reason.empty() && std::isalpha(static_cast<unsigned char>(reason.front()))) {
            reason.remove_prefix(1); // "skipped", "SKIP:"
        }
        if (!reason.empty() && reason.front() == ':') {
            reason.remove_prefix(1);
        }
        r.directive_reason = std::string(trim(reason));
    } else if (starts_with_ci(directive, "todo")) {
        r.status = ok ? TestStatus::Pass : TestStatus::Todo;
        r.directive_reason = std::string(trim(directive.substr(4)));
    } else {
        r.status = ok ? TestStatus::Pass : TestStatus::Fail;
    }
    return r;
}

void TapParser::add_diagnostic(std::string_view text) {
    if (diag_.size() >= kMaxDiag) {
        return;
    }
    diag_ += text;
    diag_ += '\n';
}

void TapParser::add_result(std::size_t depth, TapResult r) {
    if (pending_.size() <= depth + 1) {
        pending_.resize(depth + 2);
    }
    r.diagnostics = std::move(diag_);
    diag_.clear();

    // Results deeper than this one are its children.
    std::vector<TapResult> children;
    for (std::size_t d = depth + 1; d < pending_.size(); ++d) {
        for (auto& c : pending_[d]) {
            children.push_back(std::move(c));
        }
        pending_[d].clear();
    }
    auto& level = pending_[depth];
    bool child_failed = false;
    for (auto& c : children) {
        child_failed = child_failed || c.status == TestStatus::Fail;
        c.name = r.name + "/" + c.name;
        level.push_back(std::move(c));
    }
    if (children.empty() || (r.status == TestStatus::Fail && !child_failed)) {
        level.push_back(std::move(r));
    }
    last_ = &level.back();
    if (depth == 0) {
        ++top_seen_;
        for (auto& x : level) {
            // Same name twice in one suite: keep both, distinguishably.
            std::string name = x.name;
            int n = 2;
            auto taken = [&](const std::string& candidate) {
                for (const auto& e : results_) {
                    if (e.name == candidate) {
                        return true;
                    }
                }
                return false;
            };
            while (taken(name)) {
                name = x.name + " #" + std::to_string(n++);
            }
            x.name = name;
            results_.push_back(std::move(x));
        }
        level.clear();
        last_ = results_.empty() ? nullptr : &results_.back();
    }
}

void TapParser::feed_line(std::string_view raw) {
    std::string_view line = raw;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
        line.remove_suffix(1);
    }
    if (finished_) {
        return;
    }
    // YAML diagnostics block after a result: "  ---" ... "  ..."
    auto t = trim(line);
    if (in_yaml_) {
        if (t == "...") {
            in_yaml_ = false;
        } else if (last_ && last_->diagnostics.size() < kMaxDiag) {
            last_->diagnostics += std::string(t) + "\n";
        }
        return;
    }
    if (t == "---" && last_) {
        in_yaml_ = true;
        return;
    }

    auto p = peel(line);
    if (!is_tap_line(p.rest)) {
        if (!t.empty()) {
            add_diagnostic(t);
        }
        return;
    }
    if (auto r = parse_result_line(p.rest)) {
        add_result(p.depth, std::move(*r));
    } else if (is_plan(p.rest) && p.depth == 0) {
        auto rest = p.rest.substr(3);
        plan_ = std::stoi(std::string(rest));
        auto hash = rest.find('#');
        if (hash != std::string_view::npos && starts_with_ci(trim(rest.substr(hash + 1)), "skip")) {
            plan_skip_ = true;
            plan_reason_ = std::string(trim(trim(rest.substr(hash + 1)).substr(4)));
        }
    } else if (p.rest.starts_with("Bail out!") && p.depth == 0) {
        bailed_out_ = true;
        bail_reason_ = std::string(trim(p.rest.substr(9)));
    }
}

std::size_t TapParser::count() const {
    return results_.size();
}

void TapParser::finish() {
    if (finished_) {
        return;
    }
    in_yaml_ = false;
    // Children whose parent never reported (the program died mid-way).
    for (std::size_t d = pending_.size(); d-- > 1;) {
        for (auto& r : pending_[d]) {
            results_.push_back(std::move(r));
        }
        pending_[d].clear();
    }
    if (plan_ && *plan_ == 0 && plan_skip_ && results_.empty()) {
        results_.push_back({"all", TestStatus::Skip, plan_reason_, {}});
    }
    if (bailed_out_) {
        results_.push_back(
            {"bail-out", TestStatus::Fail, {}, "Bail out! " + bail_reason_ + "\n" + diag_});
    } else if (plan_ && static_cast<std::size_t>(*plan_) > top_seen_) {
        results_.push_back({"plan",
                            TestStatus::Fail,
                            {},
                            "planned " + std::to_string(*plan_) + " tests, saw " +
                                std::to_string(top_seen_) + "\n" + diag_});
    } else if (!plan_ && results_.empty()) {
        results_.push_back({"plan", TestStatus::Fail, {}, "no TAP output\n" + diag_});
    }
    finished_ = true;
}

} // namespace vfs
