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

TEST_CASE("--sandbox and -o sandbox= choose the confinement", "[config][sandbox]") {
    auto chroot = parse({"--socket-path=/s", "-o", "source=/x", "--sandbox=chroot"});
    REQUIRE(chroot.config);
    CHECK(chroot.config->sandbox == SandboxMode::Chroot);
    auto alias = parse({"--socket-path=/s", "-o", "source=/x,sandbox=chroot"});
    REQUIRE(alias.config);
    CHECK(alias.config->sandbox == SandboxMode::Chroot);
    CHECK(alias.config->ignored_options.empty());
    auto none = parse({"--socket-path=/s", "-o", "source=/x", "--sandbox", "none",
                       "--seccomp=none"});
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
