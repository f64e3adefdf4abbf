#include "suites/tap_parser.hpp"

#include <catch2/catch.hpp>
#include <sstream>

using vfs::TapParser;
using vfs::TestStatus;

namespace {

TapParser parse(const std::string& text) {
    TapParser p;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        p.feed_line(line);
    }
    p.finish();
    return p;
}

} // namespace

TEST_CASE("plain TAP: ok, not ok, skip, todo", "[tap]") {
    auto p = parse("TAP version 13\n"
                   "1..5\n"
                   "ok 1 - open\n"
                   "not ok 2 rename across dirs\n"
                   "ok 3 xattr # SKIP not supported\n"
                   "not ok 4 flock # TODO later\n"
                   "ok 5 mmap # todo but works\n");
    const auto& r = p.results();
    REQUIRE(r.size() == 5);
    CHECK(r[0].name == "open");
    CHECK(r[0].status == TestStatus::Pass);
    CHECK(r[1].name == "rename across dirs");
    CHECK(r[1].status == TestStatus::Fail);
    CHECK(r[2].status == TestStatus::Skip);
    CHECK(r[2].directive_reason == "not supported");
    CHECK(r[3].status == TestStatus::Todo);
    CHECK(r[3].directive_reason == "later");
    CHECK(r[4].status == TestStatus::Pass);
    CHECK(p.planned() == 5);
}

TEST_CASE("diagnostics are attached to the next result, YAML to the previous", "[tap]") {
    auto p = parse("1..2\n"
                   "# checking size\n"
                   "not ok 1 size\n"
                   "  ---\n"
                   "  expected: 4096\n"
                   "  got: 0\n"
                   "  ...\n"
                   "ok 2 other\n");
    REQUIRE(p.results().size() == 2);
    CHECK(p.results()[0].diagnostics.find("checking size") != std::string::npos);
    CHECK(p.results()[0].diagnostics.find("expected: 4096") != std::string::npos);
    CHECK(p.results()[1].diagnostics.empty());
}

TEST_CASE("kselftest nesting with '# ' prefixes", "[tap]") {
    auto p = parse("TAP version 13\n"
                   "1..2\n"
                   "# selftests: vfs: basic\n"
                   "# TAP version 13\n"
                   "# 1..2\n"
                   "# ok 1 create\n"
                   "# not ok 2 unlink\n"
                   "not ok 1 selftests: vfs: basic\n"
                   "ok 2 lonely\n");
    const auto& r = p.results();
    REQUIRE(r.size() == 3);
    CHECK(r[0].name == "selftests: vfs: basic/create");
    CHECK(r[1].name == "selftests: vfs: basic/unlink");
    CHECK(r[1].status == TestStatus::Fail);
    CHECK(r[2].name == "lonely");
}

TEST_CASE("TAP 14 subtests indented by four spaces", "[tap]") {
    auto p = parse("TAP version 14\n"
                   "1..1\n"
                   "    # Subtest: dirs\n"
                   "    1..2\n"
                   "    ok 1 mkdir\n"
                   "    ok 2 rmdir\n"
                   "ok 1 dirs\n");
    REQUIRE(p.results().size() == 2);
    CHECK(p.results()[0].name == "dirs/mkdir");
    CHECK(p.results()[1].name == "dirs/rmdir");
}

TEST_CASE("a failed parent without failed children is recorded", "[tap]") {
    auto p = parse("1..1\n"
                   "    ok 1 a\n"
                   "not ok 1 group\n");
    REQUIRE(p.results().size() == 2);
    CHECK(p.results()[1].name == "group");
    CHECK(p.results()[1].status == TestStatus::Fail);
}

TEST_CASE("missing tests, bail out and no output are failures", "[tap]") {
    SECTION("plan not met") {
        auto p = parse("1..3\nok 1 a\n");
        REQUIRE(p.results().size() == 2);
        CHECK(p.results()[1].name == "plan");
        CHECK(p.results()[1].status == TestStatus::Fail);
    }
    SECTION("bail out") {
        auto p = parse("1..3\nok 1 a\nBail out! no mount\n");
        CHECK(p.bailed_out());
        CHECK(p.results().back().name == "bail-out");
    }
    SECTION("nothing") {
        auto p = parse("some shell noise\n");
        REQUIRE(p.results().size() == 1);
        CHECK(p.results()[0].status == TestStatus::Fail);
    }
    SECTION("whole suite skipped") {
        auto p = parse("1..0 # SKIP no virtio-fs\n");
        REQUIRE(p.results().size() == 1);
        CHECK(p.results()[0].status == TestStatus::Skip);
    }
}

TEST_CASE("names: unnamed, duplicates, carriage returns", "[tap]") {
    auto p = parse("1..3\r\nok 1\r\nok 2 same\r\nok 3 same\r\n");
    REQUIRE(p.results().size() == 3);
    CHECK(p.results()[0].name == "test 1");
    CHECK(p.results()[1].name == "same");
    CHECK(p.results()[2].name == "same #2");
}

TEST_CASE("result line parsing details", "[tap]") {
    auto r = TapParser::parse_result_line("ok 7 - read after write # skip: needs root");
    REQUIRE(r);
    CHECK(r->name == "read after write");
    CHECK(r->status == TestStatus::Skip);
    CHECK(r->directive_reason == "needs root");
    CHECK_FALSE(TapParser::parse_result_line("okay 1 x"));
    CHECK_FALSE(TapParser::parse_result_line("# ok"));
    auto bad_skip = TapParser::parse_result_line("not ok 2 x # SKIP");
    REQUIRE(bad_skip);
    CHECK(bad_skip->status == TestStatus::Fail);
}
