#include "bench/fio_result.hpp"

#include <catch2/catch.hpp>

namespace {

// Trimmed from real `fio --output-format=json` 3.33 output, with the kind of
// noise a console capture contains around it.
const char* kFioOutput = R"(fio: note: both iodepth >= 1 and synchronous I/O engine are selected
{
  "fio version" : "fio-3.33",
  "timestamp" : 1795586853,
  "jobs" : [
    {
      "jobname" : "rr",
      "groupid" : 0,
      "error" : 0,
      "job options" : { "name" : "rr", "rw" : "randread", "description" : "braces } in { strings" },
      "read" : {
        "io_bytes" : 4194304,
        "bw" : 65015,
        "iops" : 16253.968254,
        "runtime" : 63,
        "lat_ns" : { "min" : 1000, "max" : 90000, "mean" : 60537.883789 }
      },
      "write" : { "io_bytes" : 0, "bw" : 0, "iops" : 0.0, "runtime" : 0,
                  "lat_ns" : { "mean" : 0.0 } }
    },
    {
      "jobname" : "rw",
      "error" : 0,
      "read" : { "io_bytes" : 2097152, "bw" : 20480, "iops" : 5120.0, "runtime" : 100,
                 "lat_ns" : { "mean" : 2000.0 } },
      "write" : { "io_bytes" : 2097152, "bw" : 10240, "iops" : 2560.5, "runtime" : 200,
                  "lat_ns" : { "mean" : 4000.0 } }
    }
  ]
}
[   33.1] some kernel line
)";

} // namespace

TEST_CASE("fio JSON: per-job read and write figures", "[fio]") {
    auto r = vfs::parse_fio_json(kFioOutput);
    CHECK(r.version == "fio-3.33");
    REQUIRE(r.jobs.size() == 2);
    const auto& rr = r.jobs[0];
    CHECK(rr.name == "rr");
    CHECK(rr.read.io_bytes == 4194304);
    CHECK(rr.read.bw_kib == Approx(65015));
    CHECK(rr.read.bw_mib() == Approx(65015.0 / 1024));
    CHECK(rr.read.iops == Approx(16253.968254));
    CHECK(rr.read.lat_mean_us == Approx(60.537883789));
    CHECK(rr.read.active());
    CHECK_FALSE(rr.write.active());
    const auto* rw = r.job("rw");
    REQUIRE(rw);
    CHECK(rw->write.iops == Approx(2560.5));
    CHECK(rw->write.runtime_ms == Approx(200));
    CHECK(r.job("nope") == nullptr);
}

TEST_CASE("fio JSON: totals add up concurrent jobs", "[fio]") {
    auto r = vfs::parse_fio_json(kFioOutput);
    CHECK(r.total_read().bw_kib == Approx(65015 + 20480));
    CHECK(r.total_read().io_bytes == 4194304 + 2097152);
    CHECK(r.total_write().iops == Approx(2560.5));
}

TEST_CASE("fio JSON: errors", "[fio]") {
    CHECK_THROWS(vfs::parse_fio_json("fio: no such file"));
    CHECK_THROWS(vfs::parse_fio_json("{\"not\": \"fio\"}"));
    CHECK(vfs::extract_json_object("x { broken  {\"a\": 1} y") == "{\"a\": 1}");
}
