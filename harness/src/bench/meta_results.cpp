#include "bench/meta_results.hpp"

#include "util/string_util.hpp"

#include <stdexcept>

namespace vfs {

std::optional<MetaSample> MetaSample::parse(std::string_view line, const std::string& column) {
    auto f = split_ws(line);
    if (f.size() != 5 || f[0] != "@@META") {
        return std::nullopt;
    }
    try {
        MetaSample s;
        s.column = column;
        s.workload = f[1];
        s.rep = std::stoi(f[2]);
        s.ms = std::stod(f[3]);
        s.rc = std::stoi(f[4]);
        return s;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<BenchSummary> MetaResults::summary(const std::string& column,
                                                 const std::string& workload) const {
    std::vector<double> v;
    for (const auto& s : samples) {
        if (s.column == column && s.workload == workload && s.rc == 0) {
            v.push_back(s.ms);
        }
    }
    return summarize(std::move(v));
}

std::optional<double> MetaResults::speedup(const std::string& column, const std::string& base,
                                           const std::string& workload) const {
    // Times, not rates: the base's time over this column's.
    return ratio(summary(base, workload), summary(column, workload));
}

bool MetaResults::has_column(const std::string& id) const {
    for (const auto& c : columns) {
        if (c.id == id) {
            return true;
        }
    }
    return false;
}

nlohmann::json MetaResults::to_json() const {
    nlohmann::json j;
    j["meta"] = meta;
    j["workloads"] = workloads;
    for (const auto& c : columns) {
        j["columns"].push_back({{"id", c.id},
                                {"label", c.label},
                                {"transport", c.transport},
                                {"daemon", c.daemon},
                                {"cache", c.cache},
                                {"daemon_args", c.daemon_args},
                                {"device_props", c.device_props},
                                {"opts", c.opts}});
    }
    for (const auto& r : runs) {
        j["runs"].push_back({{"column", r.column},
                             {"outcome", r.outcome},
                             {"message", r.message},
                             {"seconds", r.seconds}});
    }
    for (const auto& s : samples) {
        j["samples"].push_back({{"column", s.column},
                                {"workload", s.workload},
                                {"rep", s.rep},
                                {"ms", s.ms},
                                {"rc", s.rc}});
    }
    for (const auto& c : columns) {
        for (const auto& w : workloads) {
            auto sum = summary(c.id, w);
            if (!sum) {
                continue;
            }
            nlohmann::json cell = {{"column", c.id},     {"workload", w},
                                   {"n", sum->n},        {"median_ms", sum->median},
                                   {"min_ms", sum->min}, {"max_ms", sum->max}};
            for (const auto* base : {"none", "always"}) {
                if (auto r = speedup(c.id, base, w)) {
                    cell[std::string("speedup_vs_") + base] = *r;
                }
            }
            j["summary"].push_back(cell);
        }
    }
    return j;
}

} // namespace vfs
