#include "bench/fio_result.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace vfs {

std::string_view extract_json_object(std::string_view text) {
    for (auto start = text.find('{'); start != std::string_view::npos;
         start = text.find('{', start + 1)) {
        int depth = 0;
        bool in_string = false, escaped = false;
        for (std::size_t i = start; i < text.size(); ++i) {
            char c = text[i];
            if (in_string) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    in_string = false;
                }
                continue;
            }
            if (c == '"') {
                in_string = true;
            } else if (c == '{') {
                ++depth;
            } else if (c == '}' && --depth == 0) {
                auto candidate = text.substr(start, i - start + 1);
                if (nlohmann::json::accept(candidate)) {
                    return candidate;
                }
                break; // unbalanced garbage starting here; try the next '{'
            }
        }
    }
    return {};
}

namespace {

FioDirection direction(const nlohmann::json& j) {
    FioDirection d;
    if (!j.is_object()) {
        return d;
    }
    d.io_bytes = j.value("io_bytes", std::uint64_t{0});
    d.bw_kib = j.value("bw", 0.0);
    d.iops = j.value("iops", 0.0);
    d.runtime_ms = j.value("runtime", 0.0);
    if (j.contains("lat_ns") && j["lat_ns"].is_object()) {
        d.lat_mean_us = j["lat_ns"].value("mean", 0.0) / 1000.0;
    }
    return d;
}

FioDirection sum(const std::vector<FioJob>& jobs, FioDirection FioJob::*which) {
    FioDirection t;
    for (const auto& j : jobs) {
        const auto& d = j.*which;
        t.io_bytes += d.io_bytes;
        t.bw_kib += d.bw_kib;
        t.iops += d.iops;
        t.runtime_ms = std::max(t.runtime_ms, d.runtime_ms);
    }
    return t;
}

} // namespace

FioDirection FioReport::total_read() const {
    return sum(jobs, &FioJob::read);
}
FioDirection FioReport::total_write() const {
    return sum(jobs, &FioJob::write);
}

const FioJob* FioReport::job(std::string_view name) const {
    for (const auto& j : jobs) {
        if (j.name == name) {
            return &j;
        }
    }
    return nullptr;
}

FioReport parse_fio_json(std::string_view text) {
    auto obj = extract_json_object(text);
    if (obj.empty()) {
        throw std::runtime_error("no JSON object in fio output");
    }
    auto doc = nlohmann::json::parse(obj);
    if (!doc.contains("jobs") || !doc["jobs"].is_array()) {
        throw std::runtime_error("fio JSON has no \"jobs\" array");
    }
    FioReport r;
    r.version = doc.value("fio version", "");
    for (const auto& j : doc["jobs"]) {
        FioJob job;
        job.name = j.value("jobname", "");
        job.error = j.value("error", 0);
        job.read = direction(j.value("read", nlohmann::json::object()));
        job.write = direction(j.value("write", nlohmann::json::object()));
        r.jobs.push_back(std::move(job));
    }
    return r;
}

} // namespace vfs
