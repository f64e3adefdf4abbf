#include "image/image_builder.hpp"

#include "image/cpio_writer.hpp"
#include "util/child_process.hpp"
#include "util/string_util.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>

namespace fs = std::filesystem;

namespace vfs {

std::string ImageBuilder::stored_key() const {
    std::error_code ec;
    if (!fs::exists(key_file(), ec) || !fs::exists(image_, ec)) {
        return {};
    }
    return std::string(trim(read_file(key_file().string())));
}

bool ImageBuilder::up_to_date(const std::string& key) const {
    return stored_key() == key;
}

void ImageBuilder::build(const ImageManifest& manifest, const std::string& key) const {
    fs::create_directories(image_.parent_path());
    auto cpio_tmp = image_.string() + ".cpio.tmp";
    auto gz_tmp = image_.string() + ".tmp";
    {
        std::ofstream out(cpio_tmp, std::ios::binary | std::ios::trunc);
        if (!out) {
            throw std::runtime_error("cannot create " + cpio_tmp);
        }
        CpioWriter writer(out);
        manifest.write_cpio(writer);
    }
    // gzip -1: the image is rebuilt often and TCG boot time barely depends on size.
    SpawnSpec gz;
    gz.argv = {"gzip", "-1", "-n", "-c"};
    gz.in = StreamSpec{StreamSpec::Kind::File, cpio_tmp};
    gz.out = StreamSpec::to_file(gz_tmp);
    ChildProcess child(gz);
    int st = child.wait();
    fs::remove(cpio_tmp);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fs::remove(gz_tmp);
        throw std::runtime_error("gzip failed: " + ChildProcess::describe_status(st));
    }
    fs::rename(gz_tmp, image_);
    write_file(key_file().string(), key + "\n");
}

std::string make_run_archive(const std::string& command) {
    std::ostringstream out;
    CpioWriter w(out);
    w.add_directory("vfs");
    w.add_file("vfs/run.sh", "#!/bin/sh\n" + command + "\n", 0755);
    w.finish();
    return out.str();
}

void write_combined_initrd(const fs::path& base, const std::string& extra, const fs::path& out) {
    fs::copy_file(base, out, fs::copy_options::overwrite_existing);
    std::ofstream f(out, std::ios::binary | std::ios::app);
    auto size = fs::file_size(out);
    // The kernel skips zero bytes between archives but wants each cpio header
    // 4-byte aligned.
    static const char zeros[4] = {};
    if (size % 4 != 0) {
        f.write(zeros, static_cast<std::streamsize>(4 - size % 4));
    }
    f.write(extra.data(), static_cast<std::streamsize>(extra.size()));
    if (!f) {
        throw std::runtime_error("cannot write " + out.string());
    }
}

} // namespace vfs
