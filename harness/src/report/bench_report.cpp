#include "report/bench_report.hpp"

#include <fmt/format.h>
#include <functional>
#include <map>
#include <set>

namespace vfs {

namespace {

std::string number(double v) {
    if (v >= 100) {
        return fmt::format("{:.0f}", v);
    }
    if (v >= 10) {
        return fmt::format("{:.1f}", v);
    }
    return fmt::format("{:.2f}", v);
}

std::string header_row(const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const auto& c : cells) {
        s += " " + c + " |";
    }
    s += "\n|";
    for (std::size_t i = 0; i < cells.size(); ++i) {
        s += i == 0 ? " --- |" : " ---: |";
    }
    return s + "\n";
}

std::string table_row(const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const auto& c : cells) {
        s += " " + c + " |";
    }
    return s + "\n";
}

using Metric = std::function<std::optional<double>(const BenchSample&)>;

double fio_ios(const BenchSample& s) {
    return static_cast<double>(s.io_bytes) / 4096.0;
}
std::optional<double> kicks_per_request(const BenchSample& s) {
    if (!s.counters || s.counters->requests <= 0) {
        return std::nullopt;
    }
    return static_cast<double>(s.counters->kicks) / static_cast<double>(s.counters->requests);
}
std::optional<double> interrupts_per_request(const BenchSample& s) {
    if (!s.counters || s.counters->requests <= 0) {
        return std::nullopt;
    }
    return static_cast<double>(s.counters->interrupts) / static_cast<double>(s.counters->requests);
}
std::optional<double> requests_per_io(const BenchSample& s) {
    if (!s.counters || fio_ios(s) <= 0) {
        return std::nullopt;
    }
    return static_cast<double>(s.counters->requests) / fio_ios(s);
}
std::optional<double> guest_irqs_per_io(const BenchSample& s) {
    if (!s.guest_irqs || fio_ios(s) <= 0) {
        return std::nullopt;
    }
    return static_cast<double>(*s.guest_irqs) / fio_ios(s);
}
std::optional<double> latency_us(const BenchSample& s) {
    return s.lat_us > 0 ? std::optional<double>(s.lat_us) : std::nullopt;
}

} // namespace

std::string BenchReport::bandwidth_cell(const std::string& column, const std::string& row) const {
    auto bw = r_.bandwidth(column, row);
    if (bw) {
        auto s = number(bw->median);
        if (bw->n > 1) {
            s += fmt::format(" ±{:.0f}%", bw->spread_pct());
        }
        return s;
    }
    return r_.cell(column, row).empty() ? "-" : "0 (n.a.)";
}

std::string BenchReport::ratio_cell(std::optional<double> ratio) {
    return ratio ? fmt::format("{:.2f}", *ratio) : "n.a.";
}

std::vector<std::string> BenchReport::clearly_slower(const std::string& column,
                                                     const std::string& baseline) const {
    std::vector<std::string> v;
    for (const auto& row : r_.rows) {
        auto a = r_.bandwidth(column, row.name());
        auto b = r_.bandwidth(baseline, row.name());
        if (a && b && a->clearly_below(*b)) {
            v.push_back(row.name());
        }
    }
    return v;
}

std::string BenchReport::bandwidth_table() const {
    std::vector<std::string> head = {"row"};
    for (const auto& c : r_.columns) {
        head.push_back(c.label);
    }
    std::string s = header_row(head);
    for (const auto& row : r_.rows) {
        std::vector<std::string> cells = {row.name()};
        for (const auto& c : r_.columns) {
            cells.push_back(bandwidth_cell(c.id, row.name()));
        }
        s += table_row(cells);
    }
    return s;
}

std::string BenchReport::ratio_table() const {
    struct RatioCol {
        std::string head, column, base;
    };
    std::vector<RatioCol> cols;
    bool have_9p = r_.has_column("9p");
    bool have_debian = r_.has_column("debian");
    if (have_debian) {
        for (const auto& c : r_.columns) {
            if (c.transport == "ours" && !c.guest_tmpfs) {
                cols.push_back({c.id + " / debian", c.id, "debian"});
            }
        }
    }
    if (have_9p) {
        for (const auto& c : r_.columns) {
            if (c.id != "9p") {
                cols.push_back({c.id + " / 9p", c.id, "9p"});
            }
        }
    }
    bool verdict = have_debian && r_.has_column("ours");
    // Same-run pairs: our daemon against QEMU's C virtiofsd ("ours") and
    // Rust virtiofsd behind our module, the two modules behind Rust
    // virtiofsd, DAX against cache=none behind vfsd and against the ceiling.
    // A verdict heading adds a **slower** column for the pair.
    struct Pair {
        std::string column, base, verdict;
    };
    static const std::vector<Pair> pairs = {
        {"ours-vfsd", "ours", "vfsd vs virtiofsd"},
        {"ours-vfsd", "ours-rs", "vfsd vs virtiofsd-rs"},
        {"ours-vfsd", "ours-vfsd-nopoll", ""},
        {"ours-vfsd-poll", "ours-vfsd-nopoll", ""},
        {"ours-vfsd-poll", "ours-rs", ""},
        {"ours-vfsd-auto", "ours-rs-auto", "vfsd vs virtiofsd-rs (auto)"},
        {"ours-rs", "debian-rs", ""},
        {"ours-dax", "ours-vfsd", ""},
        {"ours-dax", "tmpfs", ""},
        {"ours-dax-vtable", "ours-vfsd", ""},
        {"ours-dax-vtable", "ours-dax", ""},
    };
    std::vector<const Pair*> verdicts;
    for (const auto& p : pairs) {
        if (r_.has_column(p.column) && r_.has_column(p.base)) {
            cols.push_back({p.column + " / " + p.base, p.column, p.base});
            if (!p.verdict.empty()) {
                verdicts.push_back(&p);
            }
        }
    }
    if (cols.empty()) {
        return "(no 9p or debian column: no ratios)\n";
    }
    std::vector<std::string> head = {"row"};
    for (const auto& c : cols) {
        head.push_back(c.head);
    }
    if (verdict) {
        head.push_back("ours vs debian");
    }
    for (const auto* p : verdicts) {
        head.push_back(p->verdict);
    }
    std::string s = header_row(head);
    for (const auto& row : r_.rows) {
        std::vector<std::string> cells = {row.name()};
        for (const auto& c : cols) {
            cells.push_back(ratio_cell(
                ratio(r_.bandwidth(c.column, row.name()), r_.bandwidth(c.base, row.name()))));
        }
        auto judge = [&](const std::string& column, const std::string& base) {
            auto a = r_.bandwidth(column, row.name());
            auto b = r_.bandwidth(base, row.name());
            cells.push_back(!a || !b ? "n.a." : a->clearly_below(*b) ? "**slower**" : "ok");
        };
        if (verdict) {
            judge("ours", "debian");
        }
        for (const auto* p : verdicts) {
            judge(p->column, p->base);
        }
        s += table_row(cells);
    }
    return s;
}

// Columns with our module on a share: the ones with its sysfs counters.
std::vector<std::string> BenchReport::our_module_columns() const {
    std::vector<std::string> ids;
    for (const auto& c : r_.columns) {
        if (c.transport == "ours" && !c.guest_tmpfs) {
            ids.push_back(c.id);
        }
    }
    return ids;
}

std::string BenchReport::counter_table() const {
    const auto ids = our_module_columns();
    if (ids.empty()) {
        return "";
    }
    std::vector<std::string> head = {"row"};
    for (const auto& id : ids) {
        head.push_back(id + " req/IO");
        head.push_back(id + " kicks/req");
        head.push_back(id + " irqs/req");
    }
    std::string s = header_row(head);
    bool any = false;
    for (const auto& row : r_.rows) {
        std::vector<std::string> cells = {row.name()};
        for (const auto& id : ids) {
            for (const Metric& f : {Metric(requests_per_io), Metric(kicks_per_request),
                                    Metric(interrupts_per_request)}) {
                auto st = r_.stat(id, row.name(), f);
                any = any || st.has_value();
                cells.push_back(st ? fmt::format("{:.2f}", st->median) : "-");
            }
        }
        s += table_row(cells);
    }
    return any ? s : "";
}

// Percentiles of our module's request round trips, from the cell's summed
// histogram: upper bounds of power-of-two buckets.
std::string BenchReport::latency_table() const {
    const auto ids = our_module_columns();
    std::vector<std::string> head = {"row"};
    for (const auto& id : ids) {
        head.push_back(id + " p50 us");
        head.push_back(id + " p99 us");
    }
    std::string s = header_row(head);
    bool any = false;
    for (const auto& row : r_.rows) {
        std::vector<std::string> cells = {row.name()};
        for (const auto& id : ids) {
            auto h = r_.latency(id, row.name());
            for (double p : {0.5, 0.99}) {
                auto us = h ? h->percentile_us(p) : std::nullopt;
                any = any || us.has_value();
                cells.push_back(us ? fmt::format("<{:g}", *us) : "-");
            }
        }
        s += table_row(cells);
    }
    return any ? s : "";
}

std::string BenchReport::per_io_table() const {
    std::vector<const BenchColumn*> cols;
    for (const auto& c : r_.columns) {
        if (!c.guest_tmpfs) {
            cols.push_back(&c);
        }
    }
    std::vector<std::string> head = {"row"};
    for (const auto* c : cols) {
        head.push_back(c->id + " irq/IO");
    }
    for (const auto* c : cols) {
        head.push_back(c->id + " lat us");
    }
    std::string s = header_row(head);
    bool any = false;
    for (const auto& row : r_.rows) {
        std::vector<std::string> cells = {row.name()};
        for (const Metric& f : {Metric(guest_irqs_per_io), Metric(latency_us)}) {
            for (const auto* c : cols) {
                auto st = r_.stat(c->id, row.name(), f);
                any = any || st.has_value();
                cells.push_back(!st                 ? "-"
                                : st->median >= 100 ? fmt::format("{:.0f}", st->median)
                                                    : fmt::format("{:.2f}", st->median));
            }
        }
        s += table_row(cells);
    }
    return any ? s : "";
}

std::string BenchReport::failures() const {
    std::string s;
    for (const auto& run : r_.runs) {
        if (run.outcome != "completed") {
            s += fmt::format("- column `{}`: {} {}\n", run.column, run.outcome, run.message);
        }
    }
    std::map<std::string, std::set<std::string>> reasons; // reason -> cells
    for (const auto& smp : r_.samples) {
        if (!smp.ok) {
            reasons[smp.reason].insert(smp.row + " @ " + smp.column);
        }
    }
    for (const auto& [why, cells] : reasons) {
        std::string list;
        for (const auto& c : cells) {
            list += (list.empty() ? "" : ", ") + c;
        }
        s += fmt::format("- {}: {}\n", why, list);
    }
    return s;
}

std::string BenchReport::markdown() const {
    std::string s;
    const auto& m = r_.meta;
    s += fmt::format("Bandwidth in MiB/s, median of {} repeat(s); ±: half the min..max range "
                     "in % of the median. 4 KiB blocks, {} s per run, {} MiB per file, "
                     "guest {} vCPU / {}, kernel {}, QEMU TCG.\n\n",
                     m.value("repeats", 0) * m.value("rounds", 1), m.value("runtime_sec", 0),
                     m.value("size_mib", 0), m.value("smp", 0), m.value("mem", std::string("?")),
                     m.value("guest_kernel", std::string("?")));
    s += bandwidth_table();
    s += "\nRatios of medians (> 1: the column is faster than the baseline). \"ours vs debian\": "
         "**slower** when our module's best repeat is below Debian's worst one.\n\n";
    s += ratio_table();
    auto counters = counter_table();
    if (!counters.empty()) {
        s += "\nOur module's request queues, deltas over each fio run (median): FUSE requests "
             "per 4 KiB fio I/O, virtqueue kicks (guest -> host notifications) and interrupts "
             "(host -> guest) per request.\n\n";
        s += counters;
    }
    auto latency = latency_table();
    if (!latency.empty()) {
        s += "\nOur module's request round trips (made available to the device until the "
             "transport takes the reply; sysfs latency_us, all repeats): the power-of-two "
             "bucket in microseconds that holds the median and the 99th percentile.\n\n";
        s += latency;
    }
    auto per_io = per_io_table();
    if (!per_io.empty()) {
        s += "\nPer fio I/O (median): guest interrupts of the virtio request queues "
             "(/proc/interrupts, every transport), and fio's mean latency per I/O in "
             "microseconds (for multi rows: of one job).\n\n";
        s += per_io;
    }
    auto f = failures();
    if (!f.empty()) {
        s += "\nNot measured / not supported:\n\n" + f;
    }
    return s;
}

} // namespace vfs
