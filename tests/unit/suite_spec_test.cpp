#include "suites/suite_spec.hpp"

#include <catch2/catch.hpp>

TEST_CASE("suites.json parsing", "[suites]") {
    auto s = vfs::parse_suites(
        R"([{"name": "fsops", "cmd": "fsops", "cache": "none", "mount": true, "opts": "",
             "timeout": 600, "transports": ["ours", "debian"]},
            {"name": "minimal", "cmd": "true"}])",
        "t.json");
    REQUIRE(s.size() == 2);
    CHECK(s[0].name == "fsops");
    CHECK(s[0].timeout == 600);
    CHECK(s[1].cache == "none");
    CHECK(s[1].runs_on("ours"));
    CHECK_FALSE(s[1].runs_on("9p"));
    auto wrapped = vfs::parse_suites(R"({"suites": [{"name": "a", "cmd": "b"}]})", "t.json");
    CHECK(wrapped.size() == 1);
}

TEST_CASE("suites.json errors name the suite", "[suites]") {
    auto message_of = [](const std::string& json) {
        try {
            vfs::parse_suites(json, "t.json");
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK_THAT(message_of("[{\"name\": \"x\"}]"), Catch::Contains("'x'"));
    CHECK_THAT(message_of(R"([{"name": "x", "cmd": "y", "cache": "maybe"}])"),
               Catch::Contains("cache"));
    CHECK_THAT(message_of(R"([{"name": "x", "cmd": "y", "transports": ["nfs"]}])"),
               Catch::Contains("nfs"));
    CHECK_THAT(message_of(R"([{"name": "x", "cmd": "y"}, {"name": "x", "cmd": "z"}])"),
               Catch::Contains("duplicate"));
    CHECK_THAT(message_of("not json"), Catch::Contains("invalid JSON"));
}

TEST_CASE("per-transport mount options and daemon", "[suites]") {
    auto suites = vfs::parse_suites(
        R"([{"name": "k", "cmd": "c", "opts": "request_timeout=5",
             "opts_by_transport": {"debian": ""}, "daemon": "vfsd"}])",
        "t.json");
    REQUIRE(suites.size() == 1);
    CHECK(suites[0].opts_for("ours") == "request_timeout=5");
    CHECK(suites[0].opts_for("debian").empty());
    CHECK(suites[0].daemon == "vfsd");
    CHECK_THROWS(
        vfs::parse_suites(R"([{"name": "k", "cmd": "c", "opts_by_transport": 3}])", "t.json"));
}

TEST_CASE("daemon arguments need an explicit daemon", "[suites]") {
    auto suites = vfs::parse_suites(
        R"([{"name": "f", "cmd": "daemon-faults drop", "daemon": "vfsd",
             "daemon_args": ["--inject=drop:READ@4"]}])",
        "t.json");
    REQUIRE(suites.size() == 1);
    CHECK(suites[0].daemon_args == std::vector<std::string>{"--inject=drop:READ@4"});
    CHECK_THROWS_WITH(
        vfs::parse_suites(R"([{"name": "f", "cmd": "c", "daemon_args": ["-x"]}])", "t.json"),
        Catch::Contains("daemon_args needs an explicit daemon"));
    CHECK_THROWS(vfs::parse_suites(R"([{"name": "f", "cmd": "c", "daemon": "vfsd",
                                        "daemon_args": "--inject=drop"}])",
                                   "t.json"));
}

TEST_CASE("a suite may ask for a DAX window", "[suites]") {
    auto suites = vfs::parse_suites(
        R"([{"name": "dax", "cmd": "dax", "daemon": "vfsd", "cache_size": "64M"}])", "t.json");
    REQUIRE(suites.size() == 1);
    CHECK(suites[0].cache_size == "64M");
    CHECK_THROWS_WITH(
        vfs::parse_suites(R"([{"name": "d", "cmd": "c", "cache_size": "3M"}])", "t.json"),
        Catch::Contains("cache_size"));
}
