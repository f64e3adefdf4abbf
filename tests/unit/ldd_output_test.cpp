#include "image/ldd_output.hpp"

#include <catch2/catch.hpp>

TEST_CASE("ldd output gives library paths", "[ldd]") {
    auto libs = vfs::parse_ldd_output(
        "\tlinux-vdso.so.1 (0x00007ffd6b5f2000)\n"
        "\tlibaio.so.1 => /lib/x86_64-linux-gnu/libaio.so.1 (0x00007f7d0a3f5000)\n"
        "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f7d0a214000)\n"
        "\t/lib64/ld-linux-x86-64.so.2 (0x00007f7d0a8ec000)\n");
    REQUIRE(libs.size() == 3);
    CHECK(libs[0] == "/lib/x86_64-linux-gnu/libaio.so.1");
    CHECK(libs[2] == "/lib64/ld-linux-x86-64.so.2");
    CHECK_THROWS(vfs::parse_ldd_output("\tlibgone.so.1 => not found\n"));
}
