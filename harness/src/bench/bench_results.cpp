#include "bench/bench_results.hpp"

#include "bench/fio_result.hpp"

#include <fmt/format.h>

namespace vfs {

using nlohmann::json;

BenchSample BenchSample::from_block(const BenchConsoleParser::Block& b, const BenchRow& row,
                                    const std::string& column, int rep) {
    BenchSample s;
    s.column = column;
    s.row = row.name();
    s.rep = rep;
    s.fio_rc = b.fio_rc;
    s.seconds = b.seconds;
    s.counters = b.counters;
    s.latency = b.latency;
    s.guest_irqs = b.guest_irqs;
    s.stderr_lines = b.stderr_lines;
    auto obj = extract_json_object(b.fio_text);
    if (!obj.empty()) {
        s.fio = json::parse(obj);
    }
    FioReport rep_;
    try {
        rep_ = parse_fio_json(b.fio_text);
    } catch (const std::exception& e) {
        s.reason = fmt::format("fio exited {} without usable JSON ({}){}", b.fio_rc, e.what(),
                               b.stderr_lines.empty() ? "" : ": " + b.stderr_lines.front());
        return s;
    }
    for (const auto& j : rep_.jobs) {
        if (j.error != 0 && s.fio_error == 0) {
            s.fio_error = j.error;
        }
    }
    auto d = row.writes() ? rep_.total_write() : rep_.total_read();
    s.bw_mib = d.bw_mib();
    s.iops = d.iops;
    s.io_bytes = d.io_bytes;
    if (!rep_.jobs.empty()) {
        const auto& j0 = rep_.jobs.front();
        s.lat_us = row.writes() ? j0.write.lat_mean_us : j0.read.lat_mean_us;
    }
    if (s.fio_error != 0) {
        s.reason = fmt::format("fio job error {} ({})", s.fio_error,
                               s.fio_error == 19   ? "ENODEV: mmap not supported here"
                               : s.fio_error == 22 ? "EINVAL"
                                                   : "see stderr");
    } else if (b.fio_rc != 0) {
        s.reason = fmt::format("fio exited {}", b.fio_rc);
    } else if (s.io_bytes == 0) {
        s.reason = "fio did no I/O";
    } else {
        s.ok = true;
    }
    return s;
}

json BenchSample::to_json() const {
    json j = {{"column", column},
              {"row", row},
              {"rep", rep},
              {"ok", ok},
              {"fio_rc", fio_rc},
              {"fio_error", fio_error},
              {"reason", reason},
              {"bw_mib", bw_mib},
              {"iops", iops},
              {"lat_us", lat_us},
              {"io_bytes", io_bytes},
              {"seconds", seconds},
              {"stderr", stderr_lines},
              {"fio", fio}};
    if (guest_irqs) {
        j["guest_irqs"] = *guest_irqs;
    }
    if (latency) {
        j["latency_us_hist"] = latency->to_json();
    }
    if (counters) {
        j["counters"] = {{"requests", counters->requests},
                         {"kicks", counters->kicks},
                         {"interrupts", counters->interrupts}};
    }
    return j;
}

BenchSample BenchSample::from_json(const json& j) {
    BenchSample s;
    s.column = j.value("column", "");
    s.row = j.value("row", "");
    s.rep = j.value("rep", 0);
    s.ok = j.value("ok", false);
    s.fio_rc = j.value("fio_rc", 0);
    s.fio_error = j.value("fio_error", 0);
    s.reason = j.value("reason", "");
    s.bw_mib = j.value("bw_mib", 0.0);
    s.iops = j.value("iops", 0.0);
    s.lat_us = j.value("lat_us", 0.0);
    s.io_bytes = j.value("io_bytes", std::uint64_t{0});
    s.seconds = j.value("seconds", 0.0);
    s.stderr_lines = j.value("stderr", std::vector<std::string>{});
    s.fio = j.value("fio", json());
    if (j.contains("guest_irqs")) {
        s.guest_irqs = j["guest_irqs"].get<long long>();
    }
    if (j.contains("latency_us_hist")) {
        s.latency = LatencyHistogram::from_json(j["latency_us_hist"]);
    }
    if (j.contains("counters")) {
        const auto& c = j["counters"];
        s.counters = QueueCounters{c.value("requests", 0LL), c.value("kicks", 0LL),
                                   c.value("interrupts", 0LL)};
    }
    return s;
}

std::optional<LatencyHistogram> BenchResults::latency(const std::string& column,
                                                      const std::string& row) const {
    std::optional<LatencyHistogram> sum;
    for (const auto* s : cell(column, row)) {
        if (s->ok && s->latency) {
            if (!sum) {
                sum = *s->latency;
            } else {
                sum->add(*s->latency);
            }
        }
    }
    return sum;
}

std::vector<const BenchSample*> BenchResults::cell(const std::string& column,
                                                   const std::string& row) const {
    std::vector<const BenchSample*> v;
    for (const auto& s : samples) {
        if (s.column == column && s.row == row) {
            v.push_back(&s);
        }
    }
    return v;
}

std::optional<BenchSummary> BenchResults::bandwidth(const std::string& column,
                                                    const std::string& row) const {
    std::vector<double> v;
    for (const auto* s : cell(column, row)) {
        if (s->ok) {
            v.push_back(s->bw_mib);
        }
    }
    return summarize(std::move(v));
}

std::optional<BenchSummary>
BenchResults::stat(const std::string& column, const std::string& row,
                   const std::function<std::optional<double>(const BenchSample&)>& f) const {
    std::vector<double> v;
    for (const auto* s : cell(column, row)) {
        if (auto x = s->ok ? f(*s) : std::nullopt) {
            v.push_back(*x);
        }
    }
    return summarize(std::move(v));
}

bool BenchResults::has_column(const std::string& id) const {
    for (const auto& c : columns) {
        if (c.id == id) {
            return true;
        }
    }
    return false;
}

json BenchResults::to_json() const {
    json j;
    j["meta"] = meta;
    j["rows"] = json::array();
    for (const auto& r : rows) {
        j["rows"].push_back(r.name());
    }
    j["columns"] = json::array();
    for (const auto& c : columns) {
        j["columns"].push_back({{"id", c.id},
                                {"label", c.label},
                                {"transport", c.transport},
                                {"cache", c.cache},
                                {"writeback", c.writeback},
                                {"guest_tmpfs", c.guest_tmpfs},
                                {"daemon", c.daemon},
                                {"opts", c.opts},
                                {"cache_size", c.cache_size}});
    }
    j["runs"] = json::array();
    for (const auto& r : runs) {
        j["runs"].push_back({{"column", r.column},
                             {"outcome", r.outcome},
                             {"message", r.message},
                             {"seconds", r.seconds},
                             {"run_dir", r.run_dir}});
    }
    j["samples"] = json::array();
    for (const auto& s : samples) {
        j["samples"].push_back(s.to_json());
    }
    return j;
}

BenchResults BenchResults::from_json(const json& j) {
    BenchResults r;
    r.meta = j.value("meta", json::object());
    for (const auto& name : j.at("rows")) {
        r.rows.push_back(BenchRow::parse(name.get<std::string>()));
    }
    for (const auto& c : j.at("columns")) {
        r.columns.push_back({c.value("id", ""), c.value("label", ""), c.value("transport", ""),
                             c.value("cache", ""), c.value("writeback", false),
                             c.value("guest_tmpfs", false), c.value("daemon", ""),
                             c.value("opts", ""), c.value("cache_size", "")});
    }
    for (const auto& x : j.value("runs", json::array())) {
        r.runs.push_back({x.value("column", ""), x.value("outcome", ""), x.value("message", ""),
                          x.value("seconds", 0.0), x.value("run_dir", "")});
    }
    for (const auto& s : j.at("samples")) {
        r.samples.push_back(BenchSample::from_json(s));
    }
    return r;
}

} // namespace vfs
