#include "util/temp_dir.hpp"
#include "vm/guest_request.hpp"
#include "vm/guest_request_handler.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using vfs::parse_guest_request;

TEST_CASE("request lines are parsed", "[request]") {
    CHECK_FALSE(parse_guest_request("ok 1 something"));
    auto w = parse_guest_request("@@VFS-REQUEST 7 host-write dir/f.txt hello  world\r");
    REQUIRE(w);
    CHECK(w->id == "7");
    CHECK(w->verb == "host-write");
    CHECK(w->path == "dir/f.txt");
    CHECK(w->text == "hello  world");
    auto k = parse_guest_request("[ 1.0] noise @@VFS-REQUEST a1 kill-daemon");
    REQUIRE(k);
    CHECK(k->verb == "kill-daemon");
    auto e = parse_guest_request("@@VFS-REQUEST 3 host-write f");
    REQUIRE(e);
    CHECK(e->text.empty());
}

TEST_CASE("bad requests are refused with their id", "[request]") {
    auto id_of = [](const std::string& line) {
        try {
            parse_guest_request(line);
        } catch (const vfs::RequestError& e) {
            return e.id();
        }
        return std::string("no error");
    };
    CHECK(id_of("@@VFS-REQUEST 1 host-read ../etc/passwd") == "1");
    CHECK(id_of("@@VFS-REQUEST 2 host-read a/../../b") == "2");
    CHECK(id_of("@@VFS-REQUEST 3 host-unlink /etc/passwd") == "3");
    CHECK(id_of("@@VFS-REQUEST 4 host-mkdir") == "4");
    CHECK(id_of("@@VFS-REQUEST 5 rm-rf x") == "5");
    CHECK(id_of("@@VFS-REQUEST 6 host-read a/..b/c") == "no error"); // "..b" is a plain name
}

TEST_CASE("path safety", "[request]") {
    CHECK(vfs::is_safe_relative_path("a/b"));
    CHECK(vfs::is_safe_relative_path("./a"));
    CHECK_FALSE(vfs::is_safe_relative_path(".."));
    CHECK_FALSE(vfs::is_safe_relative_path("a/.."));
    CHECK_FALSE(vfs::is_safe_relative_path("/a"));
    CHECK_FALSE(vfs::is_safe_relative_path(""));
}

TEST_CASE("replies", "[request]") {
    CHECK(vfs::format_reply("9", true, "") == "@@VFS-REPLY 9 ok\n");
    CHECK(vfs::format_reply("9", false, "two\nlines") == "@@VFS-REPLY 9 err two lines\n");
}

TEST_CASE("handler acts on the shared directory", "[request]") {
    vfs::TempDir dir(fs::temp_directory_path(), "req-test-");
    bool killed = false;
    vfs::GuestRequestHandler h(dir.path(), [&] {
        killed = true;
        return std::string();
    });
    CHECK(h.handle_line("@@VFS-REQUEST 1 host-mkdir d") == "@@VFS-REPLY 1 ok\n");
    CHECK(h.handle_line("@@VFS-REQUEST 2 host-write d/f hello there") == "@@VFS-REPLY 2 ok\n");
    CHECK(h.handle_line("@@VFS-REQUEST 3 host-read d/f") == "@@VFS-REPLY 3 ok hello there\n");
    CHECK(h.handle_line("@@VFS-REQUEST 4 host-unlink d/f") == "@@VFS-REPLY 4 ok\n");
    CHECK_FALSE(fs::exists(dir.path() / "d" / "f"));
    CHECK(h.handle_line("@@VFS-REQUEST 5 host-unlink d/f").starts_with("@@VFS-REPLY 5 err"));
    CHECK(h.handle_line("@@VFS-REQUEST 6 host-read ../x").starts_with("@@VFS-REPLY 6 err"));
    CHECK(h.handle_line("@@VFS-REQUEST 7 kill-daemon") == "@@VFS-REPLY 7 ok\n");
    CHECK(killed);
    CHECK(h.handle_line("not a request").empty());
    // A symlink planted by the guest must not lead the host outside.
    fs::create_symlink("/etc", dir.path() / "escape");
    CHECK(h.handle_line("@@VFS-REQUEST 8 host-read escape/hostname")
              .starts_with("@@VFS-REPLY 8 err"));
}

TEST_CASE("restart-daemon asks the harness to restart, maybe upgraded", "[request]") {
    auto plain = parse_guest_request("@@VFS-REQUEST 9 restart-daemon");
    REQUIRE(plain);
    CHECK(plain->verb == "restart-daemon");
    CHECK(plain->text.empty());
    auto up = parse_guest_request("@@VFS-REQUEST 10 restart-daemon upgrade");
    REQUIRE(up);
    CHECK(up->text == "upgrade");
    CHECK_THROWS_AS(parse_guest_request("@@VFS-REQUEST 11 restart-daemon downgrade"),
                    vfs::RequestError);

    vfs::TempDir dir(fs::temp_directory_path(), "req-test-");
    vfs::GuestRequestHandler h(dir.path(), [] { return std::string(); });
    // Without --daemon-reconnect nobody can restart it.
    CHECK(h.handle_line("@@VFS-REQUEST 1 restart-daemon").starts_with("@@VFS-REPLY 1 err"));
    std::vector<bool> asked;
    h.on_restart([&](bool upgrade) {
        asked.push_back(upgrade);
        return upgrade ? std::string("no upgrade binary") : std::string();
    });
    CHECK(h.handle_line("@@VFS-REQUEST 2 restart-daemon") == "@@VFS-REPLY 2 ok\n");
    CHECK(h.handle_line("@@VFS-REQUEST 3 restart-daemon upgrade") ==
          "@@VFS-REPLY 3 err no upgrade binary\n");
    CHECK(asked == std::vector<bool>{false, true});
}
