#include "bench/meta_plan.hpp"
#include "bench/meta_results.hpp"
#include "report/meta_report.hpp"

#include <catch2/catch.hpp>

namespace {

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

vfs::MetaSample sample(const std::string& col, const std::string& w, int rep, double ms,
                       int rc = 0) {
    return vfs::MetaSample{col, w, rep, ms, rc};
}

} // namespace

TEST_CASE("metadata console lines parse; others do not", "[bench][meta]") {
    auto s = vfs::MetaSample::parse("@@META git-status 2 123.456 0", "none");
    REQUIRE(s);
    CHECK(s->column == "none");
    CHECK(s->workload == "git-status");
    CHECK(s->rep == 2);
    CHECK(s->ms == Approx(123.456));
    CHECK(s->rc == 0);
    CHECK_FALSE(vfs::MetaSample::parse("@@META git-status 2 x 0", "none"));
    CHECK_FALSE(vfs::MetaSample::parse("@@META-DONE", "none"));
    CHECK_FALSE(vfs::MetaSample::parse("@@META-TREE 4684 files, 3174 headers", "none"));
}

TEST_CASE("the version-table column is data: daemon flag, device property", "[bench][meta]") {
    const auto& vt = vfs::meta_column("vtable");
    CHECK(vt.cache == "none");
    CHECK(vt.daemon_args == std::vector<std::string>{"--version-table"});
    CHECK(vt.device_props == std::vector<std::string>{"version-table-size=16M"});
    CHECK_FALSE(vfs::meta_column("9p").uses_daemon());
    CHECK_THROWS_AS(vfs::meta_column("nope"), std::invalid_argument);
    auto cmd = vfs::meta_guest_command("/mnt", 3, {"find", "statstorm"});
    CHECK(contains(cmd, "meta-bench.sh /mnt/tree 3 find statstorm"));
}

TEST_CASE("medians, failed runs left out, speed-ups against none and always", "[bench][meta]") {
    vfs::MetaResults r;
    r.columns = {vfs::meta_column("none"), vfs::meta_column("always"), vfs::meta_column("vtable")};
    r.workloads = {"statstorm"};
    for (double ms : {400.0, 380.0, 420.0}) {
        r.samples.push_back(sample("none", "statstorm", 0, ms));
    }
    for (double ms : {40.0, 50.0, 45.0}) {
        r.samples.push_back(sample("always", "statstorm", 0, ms));
    }
    r.samples.push_back(sample("always", "statstorm", 3, 1.0, 1)); // failed: not counted
    r.runs.push_back({"vtable", "skipped", "QEMU has no property 'version-table-size'", 0});

    auto none = r.summary("none", "statstorm");
    REQUIRE(none);
    CHECK(none->median == Approx(400));
    CHECK(r.summary("always", "statstorm")->n == 3);
    CHECK(*r.speedup("always", "none", "statstorm") == Approx(400.0 / 45.0));
    CHECK(*r.speedup("none", "always", "statstorm") == Approx(45.0 / 400.0));
    CHECK_FALSE(r.speedup("vtable", "none", "statstorm"));

    auto md = vfs::meta_markdown(r);
    CHECK(contains(md, "| statstorm | 400 (380..420) | 45 (40..50) | n.a. |"));
    CHECK(contains(md, "| statstorm | 1.00x | 8.89x | n.a. |"));
    CHECK(contains(md, "`vtable`: skipped: QEMU has no property"));

    auto j = r.to_json();
    CHECK(j["summary"].size() == 2);
    CHECK(j["columns"][2]["device_props"][0] == "version-table-size=16M");
}
