#include "bench/bench_floors.hpp"

#include "util/string_util.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <sstream>
#include <stdexcept>

namespace vfs {

namespace {

[[noreturn]] void bad_line(int line, const std::string& why) {
    throw std::invalid_argument(fmt::format("floors line {}: {}", line, why));
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> w;
    for (std::string x; in >> x;) {
        w.push_back(x);
    }
    return w;
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> v;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto end = s.find(',', start);
        if (end == std::string::npos) {
            end = s.size();
        }
        if (end > start) {
            v.push_back(s.substr(start, end - start));
        }
        start = end + 1;
    }
    return v;
}

double parse_floor(const std::string& s, int line) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != s.size() || !(v > 0)) {
        bad_line(line, fmt::format("'{}' is not a positive number", s));
    }
    return v;
}

} // namespace

BenchFloors BenchFloors::parse(const std::string& text) {
    BenchFloors f;
    std::istringstream in(text);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (auto hash = line.find('#'); hash != std::string::npos) {
            line.resize(hash);
        }
        auto w = words(line);
        if (w.empty()) {
            continue;
        }
        if (w.size() != 5 || w[1] != "/") {
            bad_line(n, "expected 'COLUMN / BASELINE ROWS FLOOR'");
        }
        Floor fl{w[0], w[2], {}, parse_floor(w[4], n), n};
        if (w[3] != "*") {
            fl.rows = split_commas(w[3]);
            for (const auto& r : fl.rows) {
                try {
                    BenchRow::parse(r);
                } catch (const std::invalid_argument&) {
                    bad_line(n, fmt::format("'{}' is not a row", r));
                }
            }
        }
        f.floors_.push_back(std::move(fl));
    }
    if (f.floors_.empty()) {
        throw std::invalid_argument("floors: the file sets no floor");
    }
    return f;
}

BenchFloors BenchFloors::load(const std::string& path) {
    try {
        return parse(read_file(path));
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("{}: {}", path, e.what()));
    }
}

std::vector<BenchFloors::Verdict> BenchFloors::evaluate(const BenchResults& r) const {
    std::vector<Verdict> out;
    for (const auto& fl : floors_) {
        for (const auto& id : {fl.column, fl.baseline}) {
            if (!r.has_column(id)) {
                bad_line(fl.line, fmt::format("column '{}' is not in this run", id));
            }
        }
        std::vector<std::string> rows = fl.rows;
        if (rows.empty()) {
            for (const auto& row : r.rows) {
                rows.push_back(row.name());
            }
        }
        for (const auto& row : rows) {
            if (std::none_of(r.rows.begin(), r.rows.end(),
                             [&](const BenchRow& x) { return x.name() == row; })) {
                bad_line(fl.line, fmt::format("row '{}' is not in this run", row));
            }
            Verdict v{fl, row, ratio(r.bandwidth(fl.column, row), r.bandwidth(fl.baseline, row))};
            v.pass = v.ratio && *v.ratio >= fl.floor;
            out.push_back(v);
        }
    }
    return out;
}

bool BenchFloors::all_pass(const std::vector<Verdict>& v) {
    return std::all_of(v.begin(), v.end(), [](const Verdict& x) { return x.pass; });
}

std::string BenchFloors::markdown(const std::vector<Verdict>& v) {
    std::string s = "| ratio | row | same-run ratio | floor | verdict |\n"
                    "| --- | --- | ---: | ---: | --- |\n";
    for (const auto& x : v) {
        s += fmt::format("| {} / {} | {} | {} | {:g} | {} |\n", x.floor.column, x.floor.baseline,
                         x.row, x.ratio ? fmt::format("{:.2f}", *x.ratio) : "not measured",
                         x.floor.floor, x.pass ? "ok" : "**below floor**");
    }
    return s;
}

nlohmann::json BenchFloors::to_json(const std::vector<Verdict>& v) {
    auto a = nlohmann::json::array();
    for (const auto& x : v) {
        a.push_back({{"column", x.floor.column},
                     {"baseline", x.floor.baseline},
                     {"row", x.row},
                     {"ratio", x.ratio ? nlohmann::json(*x.ratio) : nlohmann::json(nullptr)},
                     {"floor", x.floor.floor},
                     {"pass", x.pass}});
    }
    return {{"pass", all_pass(v)}, {"floors", a}};
}

} // namespace vfs
