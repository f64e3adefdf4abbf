#include "cli/cli_options.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

using vfs::CliOptions;

namespace {

// Owns app and options together (the app keeps pointers into the options).
struct Parsed {
    CliOptions opts;
    CLI::App app{"vfs-harness"};
    Parsed() { vfs::configure_cli(app, opts); }
};

std::unique_ptr<Parsed> parse(std::vector<std::string> args) {
    auto p = std::make_unique<Parsed>();
    args.insert(args.begin(), "vfs-harness");
    std::vector<const char*> argv;
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    p->app.parse(static_cast<int>(argv.size()), argv.data());
    vfs::finish_cli(p->opts);
    return p;
}

} // namespace

TEST_CASE("run: defaults and command joining", "[cli]") {
    auto p = parse({"run", "--transport", "debian", "--", "ls /mnt;", "echo", "hi"});
    const auto& r = p->opts.run;
    CHECK(p->opts.run_cmd->parsed());
    CHECK(r.transport == "debian");
    CHECK(r.cache == "auto");
    CHECK(r.smp == 2);
    CHECK(r.mem == "2G");
    CHECK(r.queues == 1);
    CHECK(r.mount);
    CHECK(r.command == "ls /mnt; echo hi");
}

TEST_CASE("run: all options", "[cli]") {
    auto p = parse({"run",        "--transport", "9p",   "--cache",  "none", "--writeback", "--smp",
                    "1",          "--mem",       "512M", "--queues", "4",    "--timeout",   "20",
                    "--no-mount", "--opts",      "ro",   "--tag",    "t1",   "--keep-logs", "-q",
                    "--shared",   "/tmp",        "--",   "true"});
    const auto& r = p->opts.run;
    CHECK(r.transport == "9p");
    CHECK(r.cache == "none");
    CHECK(r.writeback);
    CHECK(r.smp == 1);
    CHECK(r.mem == "512M");
    CHECK(r.queues == 4);
    CHECK(r.timeout_sec == 20);
    CHECK_FALSE(r.mount);
    CHECK(r.opts == "ro");
    CHECK(r.tag == "t1");
    CHECK(r.keep_logs);
    CHECK(r.quiet);
    REQUIRE(r.shared);
    CHECK(r.shared->string() == "/tmp");
}

TEST_CASE("run: bad values are rejected with the option named", "[cli]") {
    auto message_of = [](std::vector<std::string> args) -> std::string {
        try {
            parse(std::move(args));
        } catch (const CLI::ParseError& e) {
            return e.what();
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "";
    };
    CHECK_THAT(message_of({"run", "--transport", "nfs", "--", "true"}),
               Catch::Contains("--transport"));
    CHECK_THAT(message_of({"run", "--cache", "sometimes", "--", "true"}),
               Catch::Contains("--cache"));
    CHECK_THAT(message_of({"run", "--mem", "2T", "--", "true"}), Catch::Contains("--mem"));
    CHECK_THAT(message_of({"run", "--mem", "lots", "--", "true"}), Catch::Contains("--mem"));
    CHECK_THAT(message_of({"run", "--smp", "0", "--", "true"}), Catch::Contains("--smp"));
    CHECK_THAT(message_of({"run", "--queues", "100", "--", "true"}), Catch::Contains("--queues"));
    CHECK_THAT(message_of({"run", "--timeout", "0", "--", "true"}), Catch::Contains("--timeout"));
    CHECK_THAT(message_of({"run", "--tag", "a b", "--", "true"}), Catch::Contains("--tag"));
    CHECK_THAT(message_of({"run", "--opts", "a b", "--", "true"}), Catch::Contains("--opts"));
    CHECK_THAT(message_of({"run", "--daemon", "/nonexistent/d", "--", "true"}),
               Catch::Contains("--daemon"));
    CHECK_THAT(message_of({"run", "--shared", "/nonexistent/dir", "--", "true"}),
               Catch::Contains("--shared"));
    CHECK_THAT(message_of({"run"}), Catch::Contains("cmd"));
    CHECK_THAT(message_of({"frobnicate"}), Catch::Contains("subcommand"));
}

TEST_CASE("test: transports list", "[cli]") {
    auto p = parse({"test", "--transport", "ours,9p", "--suite", "a", "--suite", "b"});
    CHECK(p->opts.test.transports == std::vector<std::string>{"ours", "9p"});
    CHECK(p->opts.test.suites == std::vector<std::string>{"a", "b"});
    auto d = parse({"test"});
    CHECK(d->opts.test.transports == std::vector<std::string>{"ours", "debian"});
    CHECK_THROWS_AS(parse({"test", "--transport", "ours,ours"}), std::invalid_argument);
    CHECK_THROWS_AS(parse({"test", "--transport", "ours,zfs"}), CLI::ParseError);
}

TEST_CASE("image flags", "[cli]") {
    auto p = parse({"image", "--force", "--allow-missing-module"});
    CHECK(p->opts.image.force);
    CHECK(p->opts.image.allow_missing_module);
}

TEST_CASE("memory sizes", "[cli]") {
    CHECK(vfs::parse_memory_mib("2G") == 2048);
    CHECK(vfs::parse_memory_mib("768m") == 768);
    CHECK_THROWS_AS(vfs::parse_memory_mib("2"), std::invalid_argument);
    CHECK_THROWS_AS(vfs::parse_memory_mib("G"), std::invalid_argument);
    CHECK_THROWS_AS(vfs::parse_memory_mib("2K"), std::invalid_argument);
}

TEST_CASE("run and test: --qemu and --cache-size", "[cli]") {
    auto r = parse({"run", "--transport", "debian", "--", "true"});
    CHECK(r->opts.run.qemu.empty());
    CHECK(r->opts.run.cache_size == "0");
    auto p = parse({"run", "--qemu", "/opt/q", "--cache-size", "64M", "--", "true"});
    CHECK(p->opts.run.qemu == "/opt/q");
    CHECK(p->opts.run.cache_size == "64M");
    auto t = parse({"test", "--cache-size", "1G", "--qemu", "/opt/q"});
    CHECK(t->opts.run.cache_size == "1G");
    CHECK(t->opts.run.qemu == "/opt/q");
    CHECK_THROWS_AS(parse({"run", "--cache-size", "100M", "--", "true"}), CLI::ParseError);
    CHECK_THROWS_AS(parse({"test", "--cache-size", "lots"}), CLI::ParseError);
}
