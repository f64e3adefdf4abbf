#include "image/image_builder.hpp"
#include "image/image_manifest.hpp"
#include "util/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& s) {
    std::ofstream(p) << s;
}

vfs::ImageManifest manifest_of(const fs::path& dir) {
    vfs::ImageManifest m;
    m.add_host_file("/init", (dir / "init").string(), 0755);
    m.add_host_file("/opt/vfs/tests/t1", (dir / "t1").string());
    m.add_symlink("/bin/sh", "/bin/busybox");
    m.add_char_device("/dev/console", 5, 1);
    return m;
}

} // namespace

TEST_CASE("cache key is stable and tracks every input", "[image]") {
    vfs::TempDir dir(fs::temp_directory_path(), "key-test-");
    write(dir.path() / "init", "#!/bin/sh\n");
    write(dir.path() / "t1", "test one");
    auto k1 = manifest_of(dir.path()).cache_key(1);

    SECTION("unchanged inputs give the same key") {
        CHECK(manifest_of(dir.path()).cache_key(1) == k1);
        CHECK(k1.size() == 64);
    }
    SECTION("changed file content") {
        write(dir.path() / "t1", "test One");
        CHECK(manifest_of(dir.path()).cache_key(1) != k1);
    }
    SECTION("touching a file without changing it does not matter") {
        fs::last_write_time(dir.path() / "t1", fs::file_time_type::clock::now());
        CHECK(manifest_of(dir.path()).cache_key(1) == k1);
    }
    SECTION("layout version") {
        CHECK(manifest_of(dir.path()).cache_key(2) != k1);
    }
    SECTION("an added file") {
        auto m = manifest_of(dir.path());
        m.add_inline("/etc/x", "1");
        CHECK(m.cache_key(1) != k1);
    }
    SECTION("a changed permission") {
        vfs::ImageManifest m;
        m.add_host_file("/init", (dir.path() / "init").string(), 0700);
        m.add_host_file("/opt/vfs/tests/t1", (dir.path() / "t1").string());
        m.add_symlink("/bin/sh", "/bin/busybox");
        m.add_char_device("/dev/console", 5, 1);
        CHECK(m.cache_key(1) != k1);
    }
}

TEST_CASE("manifest adds parent directories and refuses duplicates", "[image]") {
    vfs::ImageManifest m;
    m.add_inline("/a/b/c", "x");
    CHECK(m.contains("/a"));
    CHECK(m.contains("/a/b"));
    CHECK(m.entries().front().path == "/a");
    CHECK_THROWS(m.add_inline("/a/b/c", "y"));
    CHECK_NOTHROW(m.add_directory("/a"));
    CHECK_THROWS(m.add_inline("relative", "y"));
    CHECK_THROWS(m.add_host_file("/missing", "/nonexistent/file"));
}

TEST_CASE("image builder skips unchanged images", "[image]") {
    vfs::TempDir dir(fs::temp_directory_path(), "img-test-");
    vfs::ImageManifest m;
    m.add_inline("/hello", "world");
    vfs::ImageBuilder b(dir.path() / "img.cpio.gz");
    auto key = m.cache_key(1);
    CHECK_FALSE(b.up_to_date(key));
    b.build(m, key);
    CHECK(fs::file_size(dir.path() / "img.cpio.gz") > 0);
    CHECK(b.up_to_date(key));
    CHECK_FALSE(b.up_to_date("other"));
}

TEST_CASE("combined initrd keeps the second archive 4-byte aligned", "[image]") {
    vfs::TempDir dir(fs::temp_directory_path(), "initrd-test-");
    write(dir.path() / "base", "12345"); // 5 bytes
    auto extra = vfs::make_run_archive("echo hi");
    vfs::write_combined_initrd(dir.path() / "base", extra, dir.path() / "out");
    CHECK(fs::file_size(dir.path() / "out") == 8 + extra.size());
    CHECK(extra.find("#!/bin/sh\necho hi\n") != std::string::npos);
}
