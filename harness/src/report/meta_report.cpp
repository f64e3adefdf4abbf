#include "report/meta_report.hpp"

#include "util/child_process.hpp"
#include "util/string_util.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace fs = std::filesystem;

namespace vfs {

namespace {

std::string time_cell(const std::optional<BenchSummary>& s) {
    if (!s) {
        return "n.a.";
    }
    return fmt::format("{:.0f} ({:.0f}..{:.0f})", s->median, s->min, s->max);
}

std::string header(const MetaResults& res, const std::string& first) {
    std::string h = "| " + first + " |";
    std::string rule = "|---|";
    for (const auto& c : res.columns) {
        h += " " + c.label + " |";
        rule += "---:|";
    }
    return h + "\n" + rule + "\n";
}

std::string speedup_table(const MetaResults& res, const std::string& base) {
    std::string s = header(res, "workload");
    for (const auto& w : res.workloads) {
        s += "| " + w + " |";
        for (const auto& c : res.columns) {
            auto r = res.speedup(c.id, base, w);
            s += r ? fmt::format(" {:.2f}x |", *r) : " n.a. |";
        }
        s += "\n";
    }
    return s;
}

} // namespace

std::string meta_markdown(const MetaResults& res) {
    const int rounds = res.meta.value("rounds", 1);
    std::string s = fmt::format(
        "Wall time in ms, median of the repeats (min..max), {}, all in the same run (QEMU TCG: "
        "compare columns, not absolute times).\n\n",
        rounds > 1 ? fmt::format("{} boots per column, columns alternating", rounds)
                   : std::string("one boot per column"));
    s += header(res, "workload");
    for (const auto& w : res.workloads) {
        s += "| " + w + " |";
        for (const auto& c : res.columns) {
            s += " " + time_cell(res.summary(c.id, w)) + " |";
        }
        s += "\n";
    }
    for (const auto* base : {"none", "always"}) {
        if (!res.has_column(base)) {
            continue;
        }
        s += fmt::format("\nTimes faster than `{}` ({} time / column time; above 1 is "
                         "faster):\n\n",
                         base, base);
        s += speedup_table(res, base);
    }
    std::string notes;
    for (const auto& r : res.runs) {
        if (r.outcome != "completed") {
            notes += fmt::format("- `{}`: {}: {}\n", r.column, r.outcome, r.message);
        }
    }
    if (!notes.empty()) {
        s += "\nColumns without results:\n\n" + notes;
    }
    return s;
}

void draw_meta_chart(const MetaResults& res, const fs::path& dir) {
    std::string dat = "workload";
    for (const auto& c : res.columns) {
        dat += fmt::format(" \"{}\" min max", c.label);
    }
    dat += "\n";
    for (const auto& w : res.workloads) {
        dat += w;
        for (const auto& c : res.columns) {
            auto s = res.summary(c.id, w);
            dat += s ? fmt::format(" {:.3f} {:.3f} {:.3f}", s->median, s->min, s->max)
                     : " NaN NaN NaN";
        }
        dat += "\n";
    }
    const auto dat_path = dir / "meta.dat";
    const auto gp_path = dir / "meta.gp";
    const auto svg_path = dir / "meta.svg";
    write_file(dat_path.string(), dat);
    std::string gp = fmt::format(
        "set terminal svg size 1100,520 dynamic font 'sans,11' background '#ffffff'\n"
        "set output '{}'\n"
        "set title 'metadata workloads: wall time in ms, median of repeats (bars: min..max); "
        "QEMU TCG'\n"
        "set style data histogram\n"
        "set style histogram errorbars gap 1 lw 1\n"
        "set style fill solid 0.85 border -1\n"
        "set boxwidth 0.9\n"
        "set logscale y\n"
        "set ylabel 'ms (log scale, lower is better)'\n"
        "set grid ytics\n"
        "set key outside right top vertical\n"
        "set datafile missing 'NaN'\n"
        "plot ",
        svg_path.string());
    for (std::size_t i = 0; i < res.columns.size(); ++i) {
        const auto col = 2 + 3 * i;
        gp += fmt::format("{}'{}' using {}:{}:{}:xtic(1) title columnheader({})", i ? ", " : "",
                          dat_path.string(), col, col + 1, col + 2, col);
    }
    gp += "\n";
    write_file(gp_path.string(), gp);
    try {
        SpawnSpec spec;
        spec.argv = {"gnuplot", gp_path.string()};
        spec.err = StreamSpec::to_file((dir / "meta-gnuplot.log").string());
        ChildProcess p(spec);
        int st = p.wait();
        if (ChildProcess::exit_code(st) != 0) {
            spdlog::warn("bench: gnuplot failed ({}); see {}", ChildProcess::describe_status(st),
                         (dir / "meta-gnuplot.log").string());
        }
    } catch (const std::exception& e) {
        spdlog::warn("bench: cannot run gnuplot ({}); no chart", e.what());
    }
}

} // namespace vfs
