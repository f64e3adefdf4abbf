// Round-trip histograms of our module (sysfs latency_us) as the bench reads
// them: parsing, percentiles, sums of repeats, the console line, JSON.
#include "bench/bench_console.hpp"
#include "bench/latency_histogram.hpp"

#include <catch2/catch.hpp>

using namespace vfs;

TEST_CASE("latency histogram: parse rejects anything but counts") {
    REQUIRE(LatencyHistogram::parse("0 1 2 3"));
    CHECK(LatencyHistogram::parse("0 1 2 3")->total() == 6);
    CHECK_FALSE(LatencyHistogram::parse(""));
    CHECK_FALSE(LatencyHistogram::parse("1 x 2"));
    CHECK_FALSE(LatencyHistogram::parse("1 -2"));
    CHECK_FALSE(LatencyHistogram::parse("1 2.5"));
}

TEST_CASE("latency histogram: percentiles are bucket upper bounds") {
    // Bucket i holds replies of [2^(i-1), 2^i) us.
    auto h = *LatencyHistogram::parse("0 0 0 0 0 0 50 45 0 0 5");
    // Median: 50 of 100 reached in bucket 6, under 64 us.
    CHECK(*h.percentile_us(0.5) == 64);
    CHECK(*h.percentile_us(0.51) == 128);
    CHECK(*h.percentile_us(0.95) == 128);
    CHECK(*h.percentile_us(0.99) == 1024);
    CHECK(*h.percentile_us(0.0) == 64);
    CHECK_FALSE(LatencyHistogram::parse("0 0 0")->percentile_us(0.5));
}

TEST_CASE("latency histogram: repeats add bucket by bucket") {
    auto h = *LatencyHistogram::parse("1 2");
    h.add(*LatencyHistogram::parse("3 4 5"));
    CHECK(h.counts() == std::vector<long long>{4, 6, 5});
    CHECK(LatencyHistogram::from_json(h.to_json()).counts() == h.counts());
}

TEST_CASE("latency histogram: the bench console line goes into the block") {
    BenchConsoleParser p;
    p.feed("@@BENCH-BEGIN 3");
    p.feed("@@BENCH-LATENCY 0 0 7 1");
    auto b = p.feed("@@BENCH-END 3 0 1.0 2.0");
    REQUIRE(b);
    REQUIRE(b->latency);
    CHECK(b->latency->total() == 8);
    CHECK(*b->latency->percentile_us(0.5) == 4);
}
