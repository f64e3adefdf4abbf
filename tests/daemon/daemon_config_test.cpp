#include "app/daemon_config.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace vfsd;

namespace {

ParseOutcome parse(std::vector<std::string> args) {
    args.insert(args.begin(), "vfsd");
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

} // namespace

TEST_CASE("virtiofsd's command line is accepted", "[config]") {
    auto r =
        parse({"--socket-path=/tmp/s", "-o", "source=/srv,cache=always", "-o", "writeback", "-o",
               "xattr,posix_lock,flock,sandbox=none,log_level=debug", "--thread-pool-size=0"});
    REQUIRE(r.config);
    CHECK(r.config->socket_path == "/tmp/s");
    CHECK(r.config->source == "/srv");
    CHECK(r.config->cache == fuse::CacheMode::Always);
    CHECK(r.config->writeback);
    CHECK(r.config->xattr);
    CHECK(r.config->log_level == "debug");
    CHECK(r.config->thread_pool_size == 0);
    CHECK(r.config->sandbox == SandboxMode::None);
    CHECK(r.config->ignored_options.size() == 2);
}

TEST_CASE("the sandbox and seccomp default to virtiofsd's", "[config][sandbox]") {
    auto r = parse({"--socket-path=/s", "-o", "source=/x"});
    REQUIRE(r.config);
    CHECK(r.config->sandbox == kDefaultSandboxMode);
    CHECK(r.config->seccomp == kDefaultSeccompMode);
#ifndef VFSD_SANITIZER_BUILD
    CHECK(r.config->sandbox == SandboxMode::Namespace);
    CHECK(r.config->seccomp == SeccompMode::Kill);
#endif
    CHECK(r.config->drop_capabilities);
}

TEST_CASE("option sandbox: --sandbox and -o sandbox= choose the confinement", "[config][sandbox]") {
    auto chroot = parse({"--socket-path=/s", "-o", "source=/x", "--sandbox=chroot"});
    REQUIRE(chroot.config);
    CHECK(chroot.config->sandbox == SandboxMode::Chroot);
    auto alias = parse({"--socket-path=/s", "-o", "source=/x,sandbox=chroot"});
    REQUIRE(alias.config);
    CHECK(alias.config->sandbox == SandboxMode::Chroot);
    CHECK(alias.config->ignored_options.empty());
    auto none =
        parse({"--socket-path=/s", "-o", "source=/x", "--sandbox", "none", "--seccomp=none"});
    REQUIRE(none.config);
    CHECK(none.config->sandbox == SandboxMode::None);
    CHECK(none.config->seccomp == SeccompMode::None);
    CHECK_FALSE(parse({"--socket-path=/s", "-o", "source=/x", "--sandbox=jail"}).config);
    CHECK_FALSE(parse({"--socket-path=/s", "-o", "source=/x,sandbox=jail"}).config);
}

TEST_CASE("bad command lines are refused", "[config]") {
    CHECK_FALSE(parse({"-o", "source=/srv"}).config); // no socket
    CHECK_FALSE(parse({"--socket-path=/s"}).config);  // no source
    CHECK_FALSE(parse({"--socket-path=/s", "-o", "source=/x,cache=sometimes"}).config);
    CHECK_FALSE(parse({"--socket-path=/s", "-o", "source=/x,bogus"}).config);
    auto fd = parse({"--fd=3", "-o", "source=/x,no_xattr,cache=none"});
    REQUIRE(fd.config);
    CHECK(*fd.config->socket_fd == 3);
    CHECK_FALSE(fd.config->xattr);
    CHECK(fd.config->cache == fuse::CacheMode::None);
}

TEST_CASE("option version table: --version-table and -o version_table", "[config][vtable]") {
    const std::vector<std::string> base = {"--socket-path=/s", "-o", "source=/x"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return parse(args);
    };
    auto off = with({});
    REQUIRE(off.config);
    CHECK(off.config->version_table_size == 0);
    auto dflt = with({"--version-table"});
    REQUIRE(dflt.config);
    CHECK(dflt.config->version_table_size == 16u << 20);
    auto sized = with({"--version-table=1M"});
    REQUIRE(sized.config);
    CHECK(sized.config->version_table_size == 1u << 20);
    auto spaced = with({"--version-table", "64K", "--thread-pool-size=2"});
    REQUIRE(spaced.config);
    CHECK(spaced.config->version_table_size == 64u << 10);
    CHECK(spaced.config->thread_pool_size == 2);
    auto alias = with({"-o", "cache=none,version_table"});
    REQUIRE(alias.config);
    CHECK(alias.config->version_table_size == 16u << 20);
    auto alias_sized = with({"-o", "version_table=8192"});
    REQUIRE(alias_sized.config);
    CHECK(alias_sized.config->version_table_size == 8192);
    CHECK_FALSE(with({"--version-table=1000"}).config); // not a page multiple
    CHECK_FALSE(with({"--version-table=0"}).config);
    CHECK_FALSE(with({"-o", "version_table=12Q"}).config);
    CHECK_FALSE(with({"--version-table=-4096"}).config);
}

TEST_CASE("sizes parse with K, M and G", "[config]") {
    CHECK(parse_size("4096") == 4096u);
    CHECK(parse_size("64K") == 65536u);
    CHECK(parse_size("16M") == 16u << 20);
    CHECK(parse_size("1G") == 1u << 30);
    CHECK_FALSE(parse_size(""));
    CHECK_FALSE(parse_size("M"));
    CHECK_FALSE(parse_size("1T"));
    CHECK_FALSE(parse_size("99999999999999999999G"));
}
