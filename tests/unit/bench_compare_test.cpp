// `vfs-harness bench --compare OLD NEW` and `--floors FILE`: cells, changes
// beyond the spreads, JSON, and same-run ratio floors.
#include "bench/bench_comparison.hpp"
#include "bench/bench_floors.hpp"
#include "bench/bench_plan.hpp"
#include "bench/bench_results.hpp"

#include <catch2/catch.hpp>

using namespace vfs;

namespace {

BenchSample bw_sample(const std::string& column, const std::string& row, int rep, double bw) {
    BenchSample s;
    s.column = column;
    s.row = row;
    s.rep = rep;
    s.ok = bw > 0;
    s.bw_mib = bw;
    s.io_bytes = s.ok ? 4096 * 1000 : 0;
    s.reason = s.ok ? "" : "fio job error 19 (ENODEV: mmap not supported here)";
    return s;
}

// Three repeats per cell: base - 1, base, base + 1 (base 0: failed cell).
BenchResults run(const std::vector<std::string>& columns, const std::vector<std::string>& rows,
                 const std::vector<std::vector<double>>& base, const std::string& started) {
    BenchResults r;
    r.meta = {{"started", started}, {"git", "abc123"}, {"repeats", 3}};
    for (const auto& row : rows) {
        r.rows.push_back(BenchRow::parse(row));
    }
    for (const auto& c : columns) {
        r.columns.push_back(bench_column(c));
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::size_t j = 0; j < columns.size(); ++j) {
            for (int rep = 0; rep < 3; ++rep) {
                double b = base[i][j];
                r.samples.push_back(bw_sample(columns[j], rows[i], rep, b > 0 ? b - 1 + rep : 0));
            }
        }
    }
    return r;
}

const BenchComparison::Cell& find(const BenchComparison& c, const std::string& row,
                                  const std::string& column) {
    for (const auto& x : c.cells()) {
        if (x.row == row && x.column == column) {
            return x;
        }
    }
    FAIL("no cell " << row << " @ " << column);
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("compare: classify by the spreads") {
    using C = BenchComparison::Change;
    auto s = [](double lo, double mid, double hi) { return BenchSummary{3, mid, lo, hi}; };
    CHECK(BenchComparison::classify(s(9, 10, 11), s(12, 13, 14)) == C::Faster);
    CHECK(BenchComparison::classify(s(9, 10, 11), s(6, 7, 8)) == C::Slower);
    CHECK(BenchComparison::classify(s(9, 10, 11), s(10.5, 12, 13)) == C::Same); // ranges overlap
    CHECK(BenchComparison::classify(s(9, 10, 11), std::nullopt) == C::Missing);
    CHECK(BenchComparison::classify(std::nullopt, s(9, 10, 11)) == C::Missing);
}

TEST_CASE("compare: ratios NEW/OLD per row and column, columns and rows of either run") {
    auto old_run = run({"9p", "ours-vfsd"}, {"seqread-psync", "randread-psync", "seqread-mmap"},
                       {{10, 20}, {10, 20}, {8, 0}}, "old-day");
    auto new_run = run({"ours-vfsd", "9p", "ours-dax"}, {"seqread-psync", "randread-psync"},
                       {{30, 10, 100}, {19.5, 10, 50}}, "new-day");
    BenchComparison cmp(old_run, new_run);

    const auto& fast = find(cmp, "seqread-psync", "ours-vfsd");
    REQUIRE(fast.ratio);
    CHECK(*fast.ratio == Approx(1.5));
    CHECK(fast.change == BenchComparison::Change::Faster);
    const auto& same = find(cmp, "randread-psync", "ours-vfsd");
    CHECK(*same.ratio == Approx(19.5 / 20));
    CHECK(same.change == BenchComparison::Change::Same);
    CHECK(find(cmp, "seqread-psync", "ours-dax").change == BenchComparison::Change::Missing);
    CHECK_FALSE(find(cmp, "seqread-psync", "ours-dax").ratio);
    CHECK(find(cmp, "seqread-mmap", "9p").change == BenchComparison::Change::Missing);
    // mmap @ ours-vfsd failed in OLD and is absent in NEW: no cell at all.
    for (const auto& c : cmp.cells()) {
        CHECK_FALSE((c.row == "seqread-mmap" && c.column == "ours-vfsd"));
    }
    CHECK(cmp.cells().front().row == "seqread-psync");
    CHECK(cmp.cells().front().column == "ours-vfsd"); // NEW's column order first
    CHECK(cmp.count(BenchComparison::Change::Faster) == 1);
    CHECK_FALSE(cmp.any_slower());

    auto md = cmp.markdown();
    CHECK(md.find("OLD: old-day (abc123)") != std::string::npos);
    CHECK(md.find("| seqread-psync | ours-vfsd | 20.0 ±5% | 30.0 ±3% | 1.50 | **faster** |") !=
          std::string::npos);
    CHECK(md.find("| randread-psync | 9p | 10.0 ±10% | 10.0 ±10% | 1.00 | same |") !=
          std::string::npos);
    CHECK(md.find("| seqread-psync | ours-dax | - | 100 ±1% | n.a. | missing |") !=
          std::string::npos);

    auto j = cmp.to_json();
    CHECK(j["old"]["started"] == "old-day");
    CHECK(j["summary"]["faster"] == 1);
    CHECK(j["summary"]["slower"] == 0);
    REQUIRE(j["cells"].size() == cmp.cells().size());
    CHECK(j["cells"][0]["change"] == "faster");
    CHECK(j["cells"][0]["old"]["median"] == 20.0);
    CHECK(j["cells"][0]["new"]["min"] == 29.0);
    CHECK(j["cells"][0]["ratio"].get<double>() == Approx(1.5));
}

TEST_CASE("compare: a slowdown beyond the spreads is flagged") {
    auto old_run = run({"ours"}, {"seqwrite-psync"}, {{40}}, "a");
    auto new_run = run({"ours"}, {"seqwrite-psync"}, {{30}}, "b");
    BenchComparison cmp(old_run, new_run);
    CHECK(cmp.any_slower());
    CHECK(cmp.markdown().find("| 0.75 | **slower** |") != std::string::npos);
}

TEST_CASE("floors: parse lines, comments, row lists; errors name the line") {
    auto f = BenchFloors::parse("# CI floors\n"
                                "ours-vfsd / debian  *  0.7   # module and daemon\n"
                                "\n"
                                "ours-dax / ours-vfsd seqread-psync,randread-psync 2\n");
    REQUIRE(f.floors().size() == 2);
    CHECK(f.floors()[0].column == "ours-vfsd");
    CHECK(f.floors()[0].baseline == "debian");
    CHECK(f.floors()[0].rows.empty());
    CHECK(f.floors()[0].floor == Approx(0.7));
    CHECK(f.floors()[1].rows.size() == 2);
    CHECK(f.floors()[1].line == 4);

    CHECK_THROWS_WITH(BenchFloors::parse("ours / debian * x\n"),
                      Catch::Contains("line 1") && Catch::Contains("positive number"));
    CHECK_THROWS_WITH(BenchFloors::parse("\nours debian * 1\n"), Catch::Contains("line 2"));
    CHECK_THROWS_WITH(BenchFloors::parse("ours / debian nosuchrow 1\n"),
                      Catch::Contains("not a row"));
    CHECK_THROWS_WITH(BenchFloors::parse("ours / debian * -1\n"),
                      Catch::Contains("positive number"));
    CHECK_THROWS_WITH(BenchFloors::parse("# nothing\n"), Catch::Contains("no floor"));
}

TEST_CASE("floors: same-run ratios pass, fall below, or are not measured") {
    auto r = run({"debian", "ours-vfsd", "ours-dax"}, {"seqread-psync", "randread-psync"},
                 {{20, 16, 60}, {20, 12, 0}}, "x");
    auto f = BenchFloors::parse("ours-vfsd / debian * 0.7\n"
                                "ours-dax / ours-vfsd seqread-psync,randread-psync 2\n");
    auto v = f.evaluate(r);
    REQUIRE(v.size() == 4);
    CHECK(v[0].row == "seqread-psync");
    CHECK(*v[0].ratio == Approx(0.8));
    CHECK(v[0].pass);
    CHECK(*v[1].ratio == Approx(0.6)); // randread: 12/20 below 0.7
    CHECK_FALSE(v[1].pass);
    CHECK(*v[2].ratio == Approx(60.0 / 16));
    CHECK(v[2].pass);
    CHECK_FALSE(v[3].ratio); // DAX randread failed: not measured is a failure
    CHECK_FALSE(v[3].pass);
    CHECK_FALSE(BenchFloors::all_pass(v));

    auto md = BenchFloors::markdown(v);
    CHECK(md.find("| ours-vfsd / debian | randread-psync | 0.60 | 0.7 | **below floor** |") !=
          std::string::npos);
    CHECK(md.find("| ours-dax / ours-vfsd | randread-psync | not measured | 2 |") !=
          std::string::npos);
    auto j = BenchFloors::to_json(v);
    CHECK(j["pass"] == false);
    CHECK(j["floors"][0]["pass"] == true);
    CHECK(j["floors"][3]["ratio"].is_null());

    // Verdicts outlive the floors they came from (a temporary here).
    auto alone = BenchFloors::parse("ours-vfsd / debian seqread-psync 0.7").evaluate(r);
    REQUIRE(alone.size() == 1);
    CHECK(alone[0].floor.baseline == "debian");
    CHECK(BenchFloors::all_pass(alone));
    CHECK(BenchFloors::markdown(alone).find("| ours-vfsd / debian | seqread-psync | 0.80 |") !=
          std::string::npos);
}

TEST_CASE("floors: a column or row the run lacks is an error, not a verdict") {
    auto r = run({"debian", "ours-vfsd"}, {"seqread-psync"}, {{20, 16}}, "x");
    CHECK_THROWS_WITH(BenchFloors::parse("ours-dax / debian * 1\n").evaluate(r),
                      Catch::Contains("'ours-dax' is not in this run"));
    CHECK_THROWS_WITH(BenchFloors::parse("ours-vfsd / debian randread-psync 1\n").evaluate(r),
                      Catch::Contains("'randread-psync' is not in this run"));
}
