#include "bench/bench_comparison.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace vfs {

namespace {

void add_unique(std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) {
        v.push_back(s);
    }
}

std::string bw_cell(const std::optional<BenchSummary>& s) {
    if (!s) {
        return "-";
    }
    auto v = s->median >= 100 ? fmt::format("{:.0f}", s->median) : fmt::format("{:.1f}", s->median);
    return s->n > 1 ? fmt::format("{} ±{:.0f}%", v, s->spread_pct()) : v;
}

nlohmann::json summary_json(const std::optional<BenchSummary>& s) {
    if (!s) {
        return nullptr;
    }
    return {{"n", s->n},
            {"median", s->median},
            {"min", s->min},
            {"max", s->max},
            {"spread_pct", s->spread_pct()}};
}

nlohmann::json run_json(const nlohmann::json& meta) {
    nlohmann::json j = nlohmann::json::object();
    for (const char* k : {"started", "git", "command", "guest_kernel"}) {
        if (meta.contains(k)) {
            j[k] = meta[k];
        }
    }
    return j;
}

} // namespace

BenchComparison::Change BenchComparison::classify(const std::optional<BenchSummary>& old_bw,
                                                  const std::optional<BenchSummary>& new_bw) {
    if (!old_bw || !new_bw) {
        return Change::Missing;
    }
    if (new_bw->min > old_bw->max) {
        return Change::Faster;
    }
    if (new_bw->max < old_bw->min) {
        return Change::Slower;
    }
    return Change::Same;
}

const char* BenchComparison::to_string(Change c) {
    switch (c) {
    case Change::Same:
        return "same";
    case Change::Faster:
        return "faster";
    case Change::Slower:
        return "slower";
    case Change::Missing:
        break;
    }
    return "missing";
}

BenchComparison::BenchComparison(const BenchResults& old_run, const BenchResults& new_run)
    : old_meta_(old_run.meta), new_meta_(new_run.meta) {
    std::vector<std::string> rows;
    std::vector<std::string> columns;
    for (const auto* run : {&new_run, &old_run}) {
        for (const auto& r : run->rows) {
            add_unique(rows, r.name());
        }
        for (const auto& c : run->columns) {
            add_unique(columns, c.id);
        }
    }
    for (const auto& row : rows) {
        for (const auto& col : columns) {
            Cell c{row, col, old_run.bandwidth(col, row), new_run.bandwidth(col, row)};
            if (!c.old_bw && !c.new_bw) {
                continue; // in neither run (e.g. mmap on cache=none): nothing to say
            }
            c.ratio = vfs::ratio(c.new_bw, c.old_bw);
            c.change = classify(c.old_bw, c.new_bw);
            cells_.push_back(std::move(c));
        }
    }
}

std::size_t BenchComparison::count(Change c) const {
    return static_cast<std::size_t>(
        std::count_if(cells_.begin(), cells_.end(), [c](const Cell& x) { return x.change == c; }));
}

std::string BenchComparison::markdown() const {
    auto s = fmt::format(
        "OLD: {} ({})\nNEW: {} ({})\n\nBandwidth in MiB/s, median ±half the min..max range. "
        "new/old: ratio of medians; **faster**/**slower**: NEW's worst repeat beats OLD's best "
        "(or the other way), i.e. the change lies beyond both spreads.\n\n",
        old_meta_.value("started", std::string("?")), old_meta_.value("git", std::string("?")),
        new_meta_.value("started", std::string("?")), new_meta_.value("git", std::string("?")));
    s += "| row | column | old | new | new/old | change |\n"
         "| --- | --- | ---: | ---: | ---: | --- |\n";
    for (const auto& c : cells_) {
        auto change = c.change == Change::Faster || c.change == Change::Slower
                          ? fmt::format("**{}**", to_string(c.change))
                          : std::string(to_string(c.change));
        s += fmt::format("| {} | {} | {} | {} | {} | {} |\n", c.row, c.column, bw_cell(c.old_bw),
                         bw_cell(c.new_bw), c.ratio ? fmt::format("{:.2f}", *c.ratio) : "n.a.",
                         change);
    }
    s += fmt::format("\n{} faster, {} slower, {} within the spreads, {} in one run only.\n",
                     count(Change::Faster), count(Change::Slower), count(Change::Same),
                     count(Change::Missing));
    return s;
}

nlohmann::json BenchComparison::to_json() const {
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& c : cells_) {
        cells.push_back({{"row", c.row},
                         {"column", c.column},
                         {"old", summary_json(c.old_bw)},
                         {"new", summary_json(c.new_bw)},
                         {"ratio", c.ratio ? nlohmann::json(*c.ratio) : nlohmann::json(nullptr)},
                         {"change", to_string(c.change)}});
    }
    return {{"old", run_json(old_meta_)},
            {"new", run_json(new_meta_)},
            {"cells", cells},
            {"summary",
             {{"faster", count(Change::Faster)},
              {"slower", count(Change::Slower)},
              {"same", count(Change::Same)},
              {"missing", count(Change::Missing)}}}};
}

} // namespace vfs
