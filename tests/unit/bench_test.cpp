// Pure logic of `vfs-harness bench`: statistics, row/job selection, the
// console protocol of tests/fio/bench-run.sh, the report and the progress
// estimate.
#include "bench/bench_console.hpp"
#include "bench/bench_plan.hpp"
#include "bench/bench_progress.hpp"
#include "bench/bench_results.hpp"
#include "bench/bench_stats.hpp"
#include "report/bench_chart.hpp"
#include "report/bench_report.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace vfs;

namespace {

BenchSample sample(const std::string& column, const std::string& row, int rep, double bw,
                   bool ok = true) {
    BenchSample s;
    s.column = column;
    s.row = row;
    s.rep = rep;
    s.ok = ok;
    s.bw_mib = bw;
    s.io_bytes = 4096 * 1000;
    s.reason = ok ? "" : "fio job error 19 (ENODEV: mmap not supported here)";
    return s;
}

BenchResults two_column_results() {
    BenchResults r;
    r.meta = {{"repeats", 3}, {"runtime_sec", 3}, {"size_mib", 64}, {"smp", 2}, {"mem", "2G"}};
    r.rows = {BenchRow::parse("seqread-psync"), BenchRow::parse("seqread-mmap")};
    r.columns = {bench_column("9p"), bench_column("debian"), bench_column("ours")};
    for (int rep = 0; rep < 3; ++rep) {
        r.samples.push_back(sample("9p", "seqread-psync", rep, 10 + rep));
        r.samples.push_back(sample("debian", "seqread-psync", rep, 20 + rep));
        r.samples.push_back(sample("ours", "seqread-psync", rep, 30 + rep));
        r.samples.push_back(sample("9p", "seqread-mmap", rep, 8));
        r.samples.push_back(sample("debian", "seqread-mmap", rep, 0, false));
        r.samples.push_back(sample("ours", "seqread-mmap", rep, 0, false));
    }
    return r;
}

} // namespace

TEST_CASE("summarize: median of odd and even samples, min, max, spread") {
    REQUIRE_FALSE(summarize({}).has_value());
    auto one = summarize({5});
    REQUIRE(one);
    CHECK(one->median == 5);
    CHECK(one->spread_pct() == 0);
    auto odd = summarize({30, 10, 20});
    CHECK(odd->median == 20);
    CHECK(odd->min == 10);
    CHECK(odd->max == 30);
    CHECK(odd->spread_pct() == Approx(50)); // (30-10)/2 / 20
    auto even = summarize({4, 1, 3, 2});
    CHECK(even->median == Approx(2.5));
    CHECK(even->n == 4);
}

TEST_CASE("ratio and clearly_below") {
    auto a = summarize({10, 11, 12});
    auto b = summarize({20, 21, 22});
    CHECK(*ratio(a, b) == Approx(11.0 / 21.0));
    CHECK_FALSE(ratio(a, std::nullopt));
    CHECK_FALSE(ratio(a, summarize({0})));
    CHECK(a->clearly_below(*b));
    CHECK_FALSE(b->clearly_below(*a));
    // Overlapping ranges: within the spread.
    CHECK_FALSE(summarize({10, 15, 21})->clearly_below(*b));
}

TEST_CASE("rows: names, parsing, selection in the cover letter's order") {
    CHECK(BenchRow{"randwrite", "libaio", true}.name() == "randwrite-libaio-multi");
    CHECK(BenchRow::parse("seqread-mmap") == BenchRow{"seqread", "mmap", false});
    CHECK(BenchRow::parse("seqwrite-psync-multi").numjobs() == 4);
    CHECK(BenchRow::parse("seqwrite-psync").writes());
    CHECK_FALSE(BenchRow::parse("randread-psync").writes());
    CHECK_THROWS_AS(BenchRow::parse("seqread-posixaio"), std::invalid_argument);

    auto all = select_rows(bench_workloads(), bench_engines(), {"single", "multi"});
    REQUIRE(all.size() == 24);
    CHECK(all[0].name() == "seqread-psync");
    CHECK(all[1].name() == "seqread-psync-multi");
    CHECK(all[2].name() == "seqread-mmap");
    CHECK(all[4].name() == "seqread-libaio");
    CHECK(all[23].name() == "randwrite-libaio-multi");

    auto some = select_rows({"randwrite", "seqread"}, {"libaio"}, {"multi"});
    REQUIRE(some.size() == 2);
    CHECK(some[0].name() == "seqread-libaio-multi"); // table order, not option order
    CHECK(some[1].name() == "randwrite-libaio-multi");
    CHECK_THROWS_AS(select_rows({"seqread"}, {"sync"}, {"single"}), std::invalid_argument);
    CHECK_THROWS_AS(select_rows({"seqread"}, {"psync"}, {"double"}), std::invalid_argument);
}

TEST_CASE("quick rows cover every workload, engine and mode") {
    std::set<std::string> w, e;
    bool single = false, multi = false;
    for (const auto& r : quick_rows()) {
        w.insert(r.workload);
        e.insert(r.engine);
        (r.multi ? multi : single) = true;
    }
    CHECK(w.size() == 4);
    CHECK(e.size() == 3);
    CHECK(single);
    CHECK(multi);
}

TEST_CASE("columns: default set and lookup") {
    CHECK(bench_column("ours-always-wb").writeback);
    CHECK(bench_column("ours-always-wb").cache == "always");
    CHECK(bench_column("tmpfs").guest_tmpfs);
    CHECK_FALSE(bench_column("tmpfs").uses_daemon());
    CHECK_FALSE(bench_column("9p").uses_daemon());
    CHECK(bench_column("debian").uses_daemon());
    CHECK_THROWS_AS(bench_column("nfs"), std::invalid_argument);
}

TEST_CASE("columns: Debian's driver built into the kernel (6.12) is named so") {
    CHECK(bench_column_on_kernel("debian", false).label == "debian virtiofs.ko none");
    CHECK(bench_column_on_kernel("debian", true).label == "debian built-in virtiofs none");
    CHECK(bench_column_on_kernel("debian", true).transport == "debian");
    CHECK(bench_column_on_kernel("ours", true).label == bench_column("ours").label);
    CHECK_THROWS_AS(bench_column_on_kernel("nfs", true), std::invalid_argument);
}

TEST_CASE("job order interleaves repeats across rows") {
    auto jobs = job_order(3, 2);
    REQUIRE(jobs.size() == 6);
    CHECK(jobs[0].row == 0);
    CHECK(jobs[2].row == 2);
    CHECK(jobs[3].row == 0);
    CHECK(jobs[3].rep == 1);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        CHECK(jobs[i].id == static_cast<int>(i));
    }
    auto rows = std::vector<BenchRow>{BenchRow::parse("seqread-psync"),
                                      BenchRow::parse("randwrite-libaio-multi")};
    CHECK(bench_guest_command(rows, job_order(2, 1), "/mnt/bench", 64, 3) ==
          "sh /opt/vfs/fio/bench-run.sh /mnt/bench 64m 3 0:seqread:psync:1 "
          "1:randwrite:libaio:4");
}

TEST_CASE("console parser: blocks, stderr, counters, noise") {
    BenchConsoleParser p;
    CHECK_FALSE(p.feed("random boot noise"));
    CHECK_FALSE(p.feed("@@BENCH-LAYOUT-DONE"));
    CHECK(p.layout_done());
    CHECK_FALSE(p.job_running());
    CHECK_FALSE(p.feed("@@BENCH-BEGIN 7"));
    CHECK(p.job_running() == 7); // --host-profile starts recording here
    CHECK_FALSE(p.feed("{\"jobs\": [{\"jobname\": \"seqread\", \"error\": 0,"));
    CHECK_FALSE(p.feed(" \"read\": {\"io_bytes\": 8192, \"bw\": 2048, \"iops\": 512}}]}"));
    CHECK_FALSE(p.feed("@@BENCH-ERR fio: note: something"));
    CHECK_FALSE(p.feed("@@BENCH-COUNTERS 100 90 80"));
    CHECK_FALSE(p.feed("@@BENCH-IRQS 42"));
    auto b = p.feed("@@BENCH-END 7 0 10.50 14.00");
    REQUIRE(b);
    CHECK_FALSE(p.job_running());
    CHECK(b->id == 7);
    CHECK(b->fio_rc == 0);
    CHECK(b->seconds == Approx(3.5));
    REQUIRE(b->counters);
    CHECK(b->counters->kicks == 90);
    REQUIRE(b->stderr_lines.size() == 1);
    CHECK(b->guest_irqs == 42);

    auto s = BenchSample::from_block(*b, BenchRow::parse("seqread-psync"), "ours", 1);
    CHECK(s.ok);
    CHECK(s.bw_mib == Approx(2.0));
    CHECK(s.io_bytes == 8192);
    CHECK(s.fio.is_object());

    // A mismatched END is dropped; a marker glued to a partial line is found.
    CHECK_FALSE(p.feed("@@BENCH-BEGIN 8"));
    CHECK_FALSE(p.feed("@@BENCH-END 9 0 1 2"));
    CHECK_FALSE(p.feed("partial@@BENCH-ALL-DONE"));
    CHECK(p.all_done());
}

TEST_CASE("samples: a fio job error (mmap on a direct-I/O mount) is n.a., not a failure") {
    BenchConsoleParser::Block b;
    b.id = 0;
    b.fio_rc = 1;
    b.fio_text = R"({"jobs": [{"jobname": "seqread", "error": 19,
                     "read": {"io_bytes": 0, "bw": 0}}]})";
    auto s = BenchSample::from_block(b, BenchRow::parse("seqread-mmap"), "ours", 0);
    CHECK_FALSE(s.ok);
    CHECK(s.fio_error == 19);
    CHECK(s.reason.find("ENODEV") != std::string::npos);

    b.fio_text = "no json here";
    auto t = BenchSample::from_block(b, BenchRow::parse("seqread-mmap"), "ours", 0);
    CHECK_FALSE(t.ok);
    CHECK(t.reason.find("without usable JSON") != std::string::npos);

    // Write rows take the write direction.
    b.fio_rc = 0;
    b.fio_text = R"({"jobs": [{"jobname": "w", "error": 0, "read": {"io_bytes": 0},
                     "write": {"io_bytes": 4096, "bw": 1024, "iops": 256}}]})";
    auto w = BenchSample::from_block(b, BenchRow::parse("randwrite-psync"), "ours", 0);
    CHECK(w.ok);
    CHECK(w.bw_mib == Approx(1.0));
}

TEST_CASE("results: JSON round trip") {
    auto r = two_column_results();
    r.samples[0].counters = QueueCounters{10, 9, 8};
    r.samples[0].guest_irqs = 7;
    auto back = BenchResults::from_json(r.to_json());
    CHECK(back.rows == r.rows);
    REQUIRE(back.columns.size() == 3);
    CHECK(back.columns[2].id == "ours");
    REQUIRE(back.samples.size() == r.samples.size());
    CHECK(back.samples[0].counters->interrupts == 8);
    CHECK(back.samples[0].guest_irqs == 7);
    CHECK_FALSE(back.samples[1].guest_irqs);
    CHECK(back.bandwidth("ours", "seqread-psync")->median == 31);
    CHECK_FALSE(back.bandwidth("ours", "seqread-mmap"));
}

TEST_CASE("report: cells, ratios, verdict") {
    auto r = two_column_results();
    BenchReport rep(r);
    CHECK(rep.bandwidth_cell("ours", "seqread-psync") == "31.0 ±3%");
    CHECK(rep.bandwidth_cell("ours", "seqread-mmap") == "0 (n.a.)");
    CHECK(rep.bandwidth_cell("tmpfs", "seqread-mmap") == "-");
    CHECK(BenchReport::ratio_cell(1.234) == "1.23");
    CHECK(BenchReport::ratio_cell(std::nullopt) == "n.a.");
    CHECK(rep.clearly_slower("ours", "debian").empty());
    CHECK(rep.clearly_slower("debian", "ours") == std::vector<std::string>{"seqread-psync"});

    auto md = rep.markdown();
    CHECK(md.find("| seqread-psync | 11.0 ±9% | 21.0 ±5% | 31.0 ±3% |") != std::string::npos);
    CHECK(md.find("ours / debian") != std::string::npos);
    CHECK(md.find("| seqread-psync | 1.48 | 1.91 | 2.82 | ok |") != std::string::npos);
    CHECK(md.find("ENODEV") != std::string::npos);
    CHECK(md.find("irq/IO") == std::string::npos); // lat only: no sample has irqs
}

TEST_CASE("report: per-I/O interrupts and our queue counters") {
    auto r = two_column_results();
    for (auto& s : r.samples) {
        if (s.ok && s.row == "seqread-psync") {
            s.guest_irqs = 500; // io_bytes is 1000 I/Os
            s.lat_us = 250;
            if (s.column == "ours") {
                s.counters = QueueCounters{1000, 900, 800};
            }
        }
    }
    auto md = BenchReport(r).markdown();
    CHECK(md.find("| seqread-psync | 0.50 | 0.50 | 0.50 | 250 | 250 | 250 |") != std::string::npos);
    CHECK(md.find("| seqread-psync | 1.00 | 0.90 | 0.80 |") != std::string::npos);
    CHECK(md.find("| seqread-mmap | - | - | - |") != std::string::npos);
}

TEST_CASE("chart: gnuplot data per engine, NaN for missing cells") {
    auto r = two_column_results();
    BenchChart c(r);
    auto d = c.data("mmap");
    CHECK(d.find("seqread 8.000 8.000 8.000 NaN NaN NaN NaN NaN NaN") != std::string::npos);
    CHECK(c.data("psync").find("seqread 11.000 10.000 12.000") != std::string::npos);
    auto gp = c.script("psync", "x.dat", "x.svg");
    CHECK(gp.find("using 2:3:4:xtic(1)") != std::string::npos);
    CHECK(gp.find("using 8:9:10 title 'ours none'") != std::string::npos);
}

TEST_CASE("progress: estimate from guesses, then from measurements") {
    BenchProgress p(2, 10, 3);
    CHECK(p.jobs_total() == 20);
    CHECK(p.remaining_sec() == Approx(20 * 4.5 + 2 * 25));
    for (int i = 0; i < 10; ++i) {
        p.job_done(5);
    }
    p.column_done(70); // 50 s of jobs, 20 s overhead
    CHECK(p.remaining_sec() == Approx(10 * 5 + 20));
    CHECK(BenchProgress::duration(59) == "59s");
    CHECK(BenchProgress::duration(125) == "2m05s");
    CHECK(BenchProgress::duration(3700) == "1h01m");
}

TEST_CASE("report: our daemon's column against QEMU's virtiofsd") {
    CHECK(bench_column("ours-vfsd").daemon == "vfsd");
    CHECK(bench_column("ours").daemon.empty());
    auto r = two_column_results();
    r.columns.push_back(bench_column("ours-vfsd"));
    for (int rep = 0; rep < 3; ++rep) {
        r.samples.push_back(sample("ours-vfsd", "seqread-psync", rep, 15 + rep));
        r.samples.push_back(sample("ours-vfsd", "seqread-mmap", rep, 0, false));
    }
    auto md = BenchReport(r).markdown();
    CHECK(md.find("ours-vfsd / ours") != std::string::npos);
    CHECK(md.find("vfsd vs virtiofsd") != std::string::npos);
    // 16 (15..17) is clearly below 31 (30..32): both verdicts on the row.
    CHECK(md.find("| 0.52 | ok | **slower** |") != std::string::npos);
}

TEST_CASE("columns: the DAX column mounts with -o dax and asks for a window") {
    const auto& dax = bench_column("ours-dax");
    CHECK(dax.transport == "ours");
    CHECK(dax.opts == "dax");
    CHECK(dax.cache_size == "512M");
    CHECK(dax.daemon == "vfsd");
    CHECK(bench_column("ours").cache_size.empty());
}
