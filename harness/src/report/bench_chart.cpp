#include "report/bench_chart.hpp"

#include "util/child_process.hpp"
#include "util/string_util.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace fs = std::filesystem;

namespace vfs {

std::string BenchChart::data(const std::string& engine) const {
    std::string s = "# row";
    for (const auto& c : r_.columns) {
        s += fmt::format(" {0}.median {0}.min {0}.max", c.id);
    }
    s += "\n";
    for (const auto& row : r_.rows) {
        if (row.engine != engine) {
            continue;
        }
        s += row.workload + (row.multi ? "-multi" : "");
        for (const auto& c : r_.columns) {
            auto bw = r_.bandwidth(c.id, row.name());
            if (bw) {
                s += fmt::format(" {:.3f} {:.3f} {:.3f}", bw->median, bw->min, bw->max);
            } else {
                s += " NaN NaN NaN";
            }
        }
        s += "\n";
    }
    return s;
}

std::string BenchChart::script(const std::string& engine, const std::string& data_file,
                               const std::string& svg_file) const {
    std::string s = fmt::format(
        "set terminal svg size 1100,520 dynamic font 'sans,11' background '#ffffff'\n"
        "set output '{}'\n"
        "set title 'fio {}, 4 KiB blocks: MiB/s, median of repeats (bars: min..max); QEMU TCG'\n"
        "set style data histogram\n"
        "set style histogram errorbars gap 1 lw 1\n"
        "set style fill solid 0.85 border -1\n"
        "set boxwidth 0.9\n"
        "set logscale y\n"
        "set ylabel 'MiB/s (log scale)'\n"
        "set grid ytics\n"
        "set xtics nomirror rotate by -20\n"
        "set key outside right top vertical\n"
        "set datafile missing 'NaN'\n",
        svg_file, engine);
    s += "plot ";
    for (std::size_t i = 0; i < r_.columns.size(); ++i) {
        auto base = 2 + 3 * i;
        s += fmt::format("{}'{}' using {}:{}:{}{} title '{}'", i ? ", \\\n     " : "",
                         i ? "" : data_file, base, base + 1, base + 2, i ? "" : ":xtic(1)",
                         r_.columns[i].label);
    }
    return s + "\n";
}

std::vector<fs::path> BenchChart::draw(const fs::path& dir) const {
    std::vector<fs::path> out;
    for (const auto& engine : bench_engines()) {
        bool any = false;
        for (const auto& row : r_.rows) {
            any = any || row.engine == engine;
        }
        if (!any) {
            continue;
        }
        auto dat = dir / fmt::format("chart-{}.dat", engine);
        auto gp = dir / fmt::format("chart-{}.gp", engine);
        auto svg = dir / fmt::format("chart-{}.svg", engine);
        write_file(dat.string(), data(engine));
        write_file(gp.string(), script(engine, dat.string(), svg.string()));
        try {
            SpawnSpec spec;
            spec.argv = {"gnuplot", gp.string()};
            spec.err = StreamSpec::to_file((dir / fmt::format("chart-{}.log", engine)).string());
            ChildProcess p(spec);
            int st = p.wait();
            if (ChildProcess::exit_code(st) != 0) {
                spdlog::warn("bench: gnuplot failed for {} ({}); see {}", engine,
                             ChildProcess::describe_status(st),
                             (dir / fmt::format("chart-{}.log", engine)).string());
                continue;
            }
            out.push_back(svg);
        } catch (const std::exception& e) {
            spdlog::warn("bench: cannot run gnuplot ({}); no chart for {}", e.what(), engine);
        }
    }
    return out;
}

} // namespace vfs
