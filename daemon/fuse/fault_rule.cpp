#include "fuse/fault_rule.hpp"

#include "fuse/fuse_server.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fmt/format.h>
#include <linux/fuse.h>

namespace vfsd::fuse {

namespace {

template <typename T> std::optional<T> to_number(std::string_view s) {
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

std::optional<int> parse_errno(std::string_view s) {
    if (auto n = to_number<int>(s); n && *n > 0 && *n < 4096) {
        return n;
    }
    for (int e = 1; e < 134; ++e) {
        const char* name = strerrorname_np(e);
        if (name != nullptr && s == name) {
            return e;
        }
    }
    return std::nullopt;
}

std::optional<std::uint32_t> parse_opcode(std::string_view s) {
    if (auto n = to_number<std::uint32_t>(s)) {
        return n;
    }
    for (std::uint32_t op = 1; op < 64; ++op) {
        if (s == opcode_name(op)) {
            return op;
        }
    }
    return std::nullopt;
}

bool expects_reply(std::uint32_t op) {
    return op != FUSE_FORGET && op != FUSE_BATCH_FORGET && op != FUSE_INTERRUPT;
}

} // namespace

std::optional<FaultRule> FaultRule::parse(std::string_view text, std::string* error) {
    auto fail = [&](std::string why) {
        if (error != nullptr) {
            *error = fmt::format("--inject={}: {}", text, why);
        }
        return std::nullopt;
    };
    FaultRule rule;
    std::string_view rest = text;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        auto n = to_number<std::uint64_t>(rest.substr(at + 1));
        if (!n || *n == 0) {
            return fail("@N needs a positive number");
        }
        rule.every = *n;
        rest = rest.substr(0, at);
    }
    if (auto colon = rest.find(':'); colon != std::string_view::npos) {
        const auto op = rest.substr(colon + 1);
        if (op != "any") {
            auto parsed = parse_opcode(op);
            if (!parsed) {
                return fail(fmt::format("unknown opcode '{}'", op));
            }
            rule.opcode = parsed;
        }
        rest = rest.substr(0, colon);
    }
    std::string_view kind = rest, value;
    if (auto eq = rest.find('='); eq != std::string_view::npos) {
        kind = rest.substr(0, eq);
        value = rest.substr(eq + 1);
    }
    if (kind == "error") {
        auto e = parse_errno(value);
        if (!e) {
            return fail(fmt::format("unknown errno '{}'", value));
        }
        rule.kind = Kind::Error;
        rule.value = *e;
    } else if (kind == "delay") {
        auto ms = to_number<int>(value);
        if (!ms || *ms < 0 || *ms > 600000) {
            return fail("delay needs milliseconds (0-600000)");
        }
        rule.kind = Kind::Delay;
        rule.value = *ms;
    } else if (kind == "drop" && value.empty()) {
        rule.kind = Kind::Drop;
    } else if (kind == "bad-len" && value.empty()) {
        rule.kind = Kind::BadLength;
    } else if (kind == "bad-unique" && value.empty()) {
        rule.kind = Kind::BadUnique;
    } else if (kind == "no-reply" && value.empty()) {
        rule.kind = Kind::NoReply;
    } else {
        return fail("unknown fault (error=E, delay=MS, drop, bad-len, bad-unique, no-reply)");
    }
    return rule;
}

bool FaultRule::matches_opcode(std::uint32_t op) const {
    if (opcode) {
        return *opcode == op;
    }
    return expects_reply(op) && op != FUSE_INIT && op != FUSE_DESTROY;
}

std::string FaultRule::describe() const {
    static const char* const kinds[] = {"error",   "delay",      "drop",
                                        "bad-len", "bad-unique", "no-reply"};
    std::string s = kinds[static_cast<int>(kind)];
    if (kind == Kind::Error || kind == Kind::Delay) {
        s += fmt::format("={}", value);
    }
    s += fmt::format(" on {}", opcode ? opcode_name(*opcode) : "any opcode");
    if (every > 1) {
        s += fmt::format(", one in {}", every);
    }
    return s;
}

} // namespace vfsd::fuse
