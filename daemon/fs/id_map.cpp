#include "fs/id_map.hpp"

#include <charconv>
#include <fmt/format.h>

namespace vfsd::fs {

namespace {

constexpr std::uint64_t kIdSpace = std::uint64_t{1} << 32;

std::vector<std::string_view> split(std::string_view text) {
    std::vector<std::string_view> parts;
    for (;;) {
        const auto colon = text.find(':');
        parts.push_back(text.substr(0, colon));
        if (colon == std::string_view::npos) {
            return parts;
        }
        text.remove_prefix(colon + 1);
    }
}

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint32_t value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

} // namespace

std::optional<std::string> IdMap::add(std::string_view spec) {
    const auto parts = split(spec);
    const auto type = parts.front();
    const bool forbid = type == "forbid-guest";
    const std::size_t want = forbid ? 3 : 4;
    if (parts.size() != want) {
        return fmt::format("'{}': expected {}", spec,
                           forbid ? "forbid-guest:GUEST:COUNT" : "TYPE:SOURCE:TARGET:COUNT");
    }
    std::optional<std::uint64_t> values[3];
    for (std::size_t i = 1; i < want; ++i) {
        if (!(values[i - 1] = number(parts[i]))) {
            return fmt::format("'{}': '{}' is not an id (0 to 4294967295)", spec, parts[i]);
        }
    }
    const std::uint64_t source = *values[0];
    const std::uint64_t target = forbid ? 0 : *values[1];
    const std::uint64_t count = forbid ? *values[1] : *values[2];
    if (count == 0 || source + count > kIdSpace) {
        return fmt::format("'{}': the range must hold 1 to {} ids", spec, kIdSpace - source);
    }
    using K = Rule::Kind;
    const bool one_to_one = type == "map" || type == "guest" || type == "host";
    if (one_to_one && target + count > kIdSpace) {
        return fmt::format("'{}': the target range ends past 4294967295", spec);
    }
    if (forbid) {
        return insert(to_host_, {K::Forbid, source, count, 0}, spec);
    }
    if (type == "guest") {
        return insert(to_host_, {K::OneToOne, source, count, target}, spec);
    }
    if (type == "host") {
        return insert(to_guest_, {K::OneToOne, source, count, target}, spec);
    }
    if (type == "squash-guest") {
        return insert(to_host_, {K::Squash, source, count, target}, spec);
    }
    if (type == "squash-host") {
        return insert(to_guest_, {K::Squash, source, count, target}, spec);
    }
    if (type == "map") {
        // Checked in both directions before either is changed.
        Rules host = to_host_, guest = to_guest_;
        if (auto err = insert(host, {K::OneToOne, source, count, target}, spec)) {
            return err;
        }
        if (auto err = insert(guest, {K::OneToOne, target, count, source}, spec)) {
            return err;
        }
        to_host_ = std::move(host);
        to_guest_ = std::move(guest);
        return std::nullopt;
    }
    return fmt::format("'{}': unknown type '{}' (map, guest, host, squash-guest, squash-host, "
                       "forbid-guest)",
                       spec, type);
}

std::optional<std::string> IdMap::insert(Rules& rules, const Rule& rule, std::string_view spec) {
    for (const auto& r : rules) {
        if (rule.first < r.first + r.count && r.first < rule.first + rule.count) {
            return fmt::format("'{}': ids {} to {} overlap an earlier rule's {} to {}", spec,
                               rule.first, rule.first + rule.count - 1, r.first,
                               r.first + r.count - 1);
        }
    }
    rules.push_back(rule);
    return std::nullopt;
}

const IdMap::Rule* IdMap::find(const Rules& rules, std::uint32_t id) {
    for (const auto& r : rules) {
        if (id >= r.first && id - r.first < r.count) {
            return &r;
        }
    }
    return nullptr;
}

std::optional<std::uint32_t> IdMap::to_host(std::uint32_t guest) const {
    if (to_host_.empty()) {
        return guest;
    }
    const Rule* r = find(to_host_, guest);
    if (r == nullptr || r->kind == Rule::Kind::Forbid) {
        return std::nullopt;
    }
    const auto offset = r->kind == Rule::Kind::OneToOne ? guest - r->first : 0;
    return static_cast<std::uint32_t>(r->target + offset);
}

std::uint32_t IdMap::to_guest(std::uint32_t host) const {
    if (to_guest_.empty()) {
        return host;
    }
    const Rule* r = find(to_guest_, host);
    if (r == nullptr) {
        return kOverflowId;
    }
    const auto offset = r->kind == Rule::Kind::OneToOne ? host - r->first : 0;
    return static_cast<std::uint32_t>(r->target + offset);
}

bool IdTranslation::refuses_xattr(std::string_view name) const {
    return !empty() && name.starts_with("system.posix_acl_");
}

void IdTranslation::default_unprivileged(uid_t uid, gid_t gid) {
    if (uids.empty()) {
        uids.add(fmt::format("map:0:{}:1", uid));
    }
    if (gids.empty()) {
        gids.add(fmt::format("map:0:{}:1", gid));
    }
}

} // namespace vfsd::fs
