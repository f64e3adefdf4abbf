#include "image/cpio_writer.hpp"
#include "util/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

TEST_CASE("newc header layout", "[cpio]") {
    std::ostringstream out;
    vfs::CpioWriter w(out);
    w.add_file("/a", "xyz", 0644);
    w.finish();
    auto s = out.str();
    REQUIRE(s.size() % 4 == 0);
    CHECK(s.substr(0, 6) == "070701");
    CHECK(s.substr(6 + 8, 8) == "000081A4");      // mode: S_IFREG | 0644
    CHECK(s.substr(6 + 6 * 8, 8) == "00000003");  // filesize
    CHECK(s.substr(6 + 11 * 8, 8) == "00000002"); // namesize "a\0"
    CHECK(s.substr(110, 2) == std::string("a\0", 2));
    CHECK(s.substr(112, 3) == "xyz"); // 110 + 2 is already 4-aligned
    CHECK(s.find("TRAILER!!!") != std::string::npos);
}

TEST_CASE("archive round-trips through cpio(1)", "[cpio]") {
    vfs::TempDir dir(fs::temp_directory_path(), "cpio-test-");
    auto archive = dir.path() / "a.cpio";
    {
        std::ofstream out(archive, std::ios::binary);
        vfs::CpioWriter w(out);
        w.add_directory("/bin");
        w.add_file("/bin/hello", "#!/bin/sh\necho hi\n", 0755);
        w.add_symlink("/bin/hi", "hello");
        auto host = dir.path() / "big";
        std::ofstream(host) << std::string(100001, 'q');
        w.add_file_from("/big", host.string(), 0600);
        w.add_file("/empty", "", 0644);
        w.finish();
    }
    auto out_dir = dir.path() / "x";
    fs::create_directory(out_dir);
    auto cmd = "cd '" + out_dir.string() + "' && cpio -id --quiet < '" + archive.string() + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK(fs::is_directory(out_dir / "bin"));
    CHECK(fs::file_size(out_dir / "bin" / "hello") == 18);
    CHECK((fs::status(out_dir / "bin" / "hello").permissions() & fs::perms::owner_exec) !=
          fs::perms::none);
    CHECK(fs::read_symlink(out_dir / "bin" / "hi") == "hello");
    CHECK(fs::file_size(out_dir / "big") == 100001);
    CHECK(fs::file_size(out_dir / "empty") == 0);
}

TEST_CASE("cpio writer misuse", "[cpio]") {
    std::ostringstream out;
    vfs::CpioWriter w(out);
    CHECK_THROWS(w.add_file("/", "x"));
    w.finish();
    CHECK_THROWS(w.add_directory("/late"));
}
