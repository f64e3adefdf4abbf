#include "suites/suite_spec.hpp"

#include "util/string_util.hpp"
#include "vm/run_options.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace vfs {

bool SuiteSpec::runs_on(const std::string& transport) const {
    return std::find(transports.begin(), transports.end(), transport) != transports.end();
}

const std::string& SuiteSpec::opts_for(const std::string& transport) const {
    auto it = opts_by_transport.find(transport);
    return it == opts_by_transport.end() ? opts : it->second;
}

std::vector<SuiteSpec> parse_suites(const std::string& json_text, const std::string& origin) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format("{}: invalid JSON: {}", origin, e.what()));
    }
    const nlohmann::json& list = doc.is_object() && doc.contains("suites") ? doc["suites"] : doc;
    if (!list.is_array()) {
        throw std::runtime_error(origin + ": expected an array of suites");
    }
    std::vector<SuiteSpec> out;
    std::set<std::string> names;
    for (const auto& j : list) {
        SuiteSpec s;
        std::string where = fmt::format("{}: suite #{}", origin, out.size() + 1);
        try {
            s.name = j.at("name").get<std::string>();
            where = fmt::format("{}: suite '{}'", origin, s.name);
            s.cmd = j.at("cmd").get<std::string>();
            s.cache = j.value("cache", s.cache);
            s.mount = j.value("mount", s.mount);
            s.writeback = j.value("writeback", s.writeback);
            s.opts = j.value("opts", s.opts);
            s.opts_by_transport = j.value("opts_by_transport", s.opts_by_transport);
            s.daemon = j.value("daemon", s.daemon);
            s.daemon_args = j.value("daemon_args", s.daemon_args);
            s.timeout = j.value("timeout", s.timeout);
            s.queues = j.value("queues", s.queues);
            s.cache_size = j.value("cache_size", s.cache_size);
            s.transports = j.value("transports", s.transports);
        } catch (const nlohmann::json::exception& e) {
            throw std::runtime_error(fmt::format("{}: {}", where, e.what()));
        }
        if (s.name.empty() || s.name.find_first_of("/ ") != std::string::npos) {
            throw std::runtime_error(where + ": name must be non-empty without '/' or spaces");
        }
        if (!names.insert(s.name).second) {
            throw std::runtime_error(where + ": duplicate name");
        }
        if (s.cmd.empty()) {
            throw std::runtime_error(where + ": empty cmd");
        }
        if (std::find(known_cache_modes().begin(), known_cache_modes().end(), s.cache) ==
            known_cache_modes().end()) {
            throw std::runtime_error(where + ": cache must be none, auto or always");
        }
        if (!s.daemon_args.empty() && s.daemon.empty()) {
            throw std::runtime_error(where + ": daemon_args needs an explicit daemon");
        }
        if (!s.cache_size.empty()) {
            try {
                parse_cache_size(s.cache_size);
            } catch (const std::invalid_argument& e) {
                throw std::runtime_error(where + ": cache_size: " + e.what());
            }
        }
        if (s.timeout < 1) {
            throw std::runtime_error(where + ": timeout must be positive");
        }
        for (const auto& t : s.transports) {
            if (std::find(known_transports().begin(), known_transports().end(), t) ==
                known_transports().end()) {
                throw std::runtime_error(where + ": unknown transport '" + t + "'");
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<SuiteSpec> load_suites(const std::string& file) {
    return parse_suites(read_file(file), file);
}

} // namespace vfs
