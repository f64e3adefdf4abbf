#include "app/daemon_config.hpp"
#include "fs/id_map.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using vfsd::fs::IdMap;
using vfsd::fs::IdTranslation;

namespace {

constexpr std::uint32_t kOverflow = IdMap::kOverflowId;

IdMap map_of(std::initializer_list<const char*> specs) {
    IdMap m;
    for (const char* s : specs) {
        auto err = m.add(s);
        INFO(s << ": " << err.value_or(""));
        REQUIRE(!err);
    }
    return m;
}

} // namespace

TEST_CASE("id map: no rules pass ids through unchanged", "[idmap]") {
    IdMap m;
    CHECK(m.empty());
    CHECK(m.to_host(0) == 0u);
    CHECK(m.to_host(4294967294u) == 4294967294u);
    CHECK(m.to_guest(1000) == 1000u);
}

TEST_CASE("id map: map is 1:1 both ways, ids outside it are unmapped", "[idmap]") {
    auto m = map_of({"map:0:100000:65536"});
    CHECK(m.to_host(0) == 100000u);
    CHECK(m.to_host(1000) == 101000u);
    CHECK(m.to_host(65535) == 165535u);
    CHECK(m.to_host(65536) == std::nullopt);
    CHECK(m.to_guest(100000) == 0u);
    CHECK(m.to_guest(101000) == 1000u);
    CHECK(m.to_guest(165535) == 65535u);
    CHECK(m.to_guest(0) == kOverflow);
    CHECK(m.to_guest(99999) == kOverflow);
    CHECK(m.to_guest(165536) == kOverflow);
}

TEST_CASE("id map: one-way rules leave the other direction open", "[idmap]") {
    SECTION("guest") {
        auto m = map_of({"guest:0:5000:10"});
        CHECK(m.to_host(9) == 5009u);
        CHECK(m.to_host(10) == std::nullopt);
        CHECK(m.to_guest(5009) == 5009u); // no host rule: unchanged
    }
    SECTION("host") {
        auto m = map_of({"host:5000:0:10"});
        CHECK(m.to_guest(5003) == 3u);
        CHECK(m.to_guest(4999) == kOverflow);
        CHECK(m.to_host(3) == 3u); // no guest rule: unchanged
    }
}

TEST_CASE("id map: squash rules send a range to one id", "[idmap]") {
    auto m = map_of({"squash-guest:0:1234:4294967295", "squash-host:0:0:4294967295"});
    CHECK(m.to_host(0) == 1234u);
    CHECK(m.to_host(1000) == 1234u);
    CHECK(m.to_host(4294967294u) == 1234u);
    CHECK(m.to_guest(1234) == 0u);
    CHECK(m.to_guest(7) == 0u);
}

TEST_CASE("id map: forbid-guest fails those ids, rules combine", "[idmap]") {
    // Incus-style: only 1000 and 2000 may reach the host.
    auto m = map_of({"forbid-guest:0:1000", "map:1000:1000:1", "forbid-guest:1001:999",
                     "map:2000:2000:1", "forbid-guest:2001:4294965294"});
    CHECK(m.to_host(0) == std::nullopt);
    CHECK(m.to_host(999) == std::nullopt);
    CHECK(m.to_host(1000) == 1000u);
    CHECK(m.to_host(1500) == std::nullopt);
    CHECK(m.to_host(2000) == 2000u);
    CHECK(m.to_host(4294967294u) == std::nullopt);
    CHECK(m.to_guest(1000) == 1000u);
    CHECK(m.to_guest(0) == kOverflow);
}

TEST_CASE("id map: malformed and overlapping rules are refused", "[idmap]") {
    const char* bad[] = {
        "",
        "map",
        "map:0:1",
        "map:0:1:2:3",
        "map:x:1:2",
        "map:-1:1:2",
        "map:0:1:0",               // empty range
        "map:0:1:4294967296",      // count past the id space
        "map:4294967295:0:2",      // source range past the end
        "map:0:4294967295:2",      // target range past the end
        "guest:0:4294967000:1000", // the same for one-way rules
        "squash:0:1:2",            // unknown type
        "forbid-guest:0:1:2",      // forbid takes no target
        "squash-guest:0:1",
        "map: 0:1:2",
    };
    for (const char* spec : bad) {
        IdMap m;
        INFO(spec);
        CHECK(m.add(spec).has_value());
        CHECK(m.empty()); // nothing half-added
    }
    SECTION("overlap in the same direction") {
        auto m = map_of({"map:0:100000:65536"});
        CHECK(m.add("squash-guest:65535:7:2").has_value());
        CHECK(m.add("forbid-guest:10:1").has_value());
        CHECK(m.add("host:165535:0:1").has_value());
        // A map whose guest side is free but whose host side overlaps
        // changes neither direction.
        CHECK(m.add("map:70000:100000:1").has_value());
        CHECK(m.to_host(70000) == std::nullopt);
        CHECK(!m.add("squash-guest:65536:7:10"));
        CHECK(!m.add("host:7:0:1"));
    }
}

TEST_CASE("id map: squash-guest with a host rule for the daemon's user", "[idmap]") {
    // What an unprivileged operator writes: every guest id is the daemon's
    // user on the host, and the daemon's user is guest root.
    auto m = map_of({"squash-guest:0:4242:4294967295", "host:4242:0:1"});
    CHECK(m.to_host(0) == 4242u);
    CHECK(m.to_host(1000) == 4242u);
    CHECK(m.to_guest(4242) == 0u);
    CHECK(m.to_guest(0) == kOverflow);
}

TEST_CASE("id map: the unprivileged default is virtiofsd's user namespace", "[idmap]") {
    IdTranslation t;
    t.default_unprivileged(4242, 4343);
    CHECK(t.uids.to_host(0) == 4242u);
    CHECK(t.uids.to_host(1000) == std::nullopt);
    CHECK(t.uids.to_guest(4242) == 0u);
    CHECK(t.uids.to_guest(0) == kOverflow);
    CHECK(t.gids.to_host(0) == 4343u);
    CHECK(t.gids.to_guest(4343) == 0u);
    SECTION("rules given for a kind are kept") {
        IdTranslation given;
        REQUIRE(!given.uids.add("squash-guest:0:4242:4294967295"));
        given.default_unprivileged(4242, 4343);
        CHECK(given.uids.to_host(1000) == 4242u);
        CHECK(given.uids.to_guest(4242) == 4242u);
        CHECK(given.gids.to_host(1000) == std::nullopt);
    }
}

TEST_CASE("option translate: --translate-uid and --translate-gid", "[idmap][config]") {
    auto parse = [](std::vector<std::string> args) {
        args.insert(args.begin(), {"vfsd", "--socket-path=/s", "-o", "source=/x"});
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        return vfsd::parse_command_line(static_cast<int>(argv.size()), argv.data());
    };
    SECTION("none: no translation") {
        auto r = parse({});
        REQUIRE(r.config);
        CHECK(r.config->ids.empty());
    }
    SECTION("repeatable, each kind on its own") {
        auto r = parse({"--translate-uid", "map:0:100000:65536", "--translate-uid=host:0:7:1",
                        "--translate-gid=squash-guest:0:200:65536"});
        REQUIRE(r.config);
        CHECK(r.config->ids.uids.to_host(5) == 100005u);
        CHECK(r.config->ids.uids.to_guest(0) == 7u);
        CHECK(r.config->ids.gids.to_host(5) == 200u);
        CHECK(r.config->ids.gids.to_guest(200) == 200u);
    }
    SECTION("a bad rule is an error") {
        auto r = parse({"--translate-gid", "map:0:1:0"});
        CHECK(!r.config);
        CHECK(r.exit_code != 0);
        auto o = parse({"--translate-uid", "map:0:100:10", "--translate-uid", "guest:5:0:1"});
        CHECK(!o.config);
    }
}
