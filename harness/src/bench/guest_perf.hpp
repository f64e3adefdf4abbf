#pragma once

#include <filesystem>
#include <string>

namespace vfs {

// `vfs-harness bench --profile`: the host's perf (Debian 12's linux-perf)
// runs inside the guest from the shared directory, never from the
// initramfs (its libraries are ~40 MB). install() copies perf, every
// shared library ldd names and the ELF loader into SHARED/.vfs-perf; the
// guest runs it as `DIR/ld-linux-x86-64.so.2 --library-path DIR DIR/perf`.
// tests/fio/bench-run.sh records `perf record -a -g` around each fio job
// and writes `perf report --stdio` to SHARED/.vfs-profiles/job-ID.txt after
// the job, outside the measured interval.
class GuestPerf {
public:
    static constexpr const char* kBundleDir = ".vfs-perf";
    static constexpr const char* kReportDir = ".vfs-profiles";

    explicit GuestPerf(std::filesystem::path host_perf = "/usr/bin/perf")
        : host_perf_(std::move(host_perf)) {}

    // Throws std::runtime_error when perf is missing (apt-get install linux-perf).
    void install(const std::filesystem::path& shared) const;
    // Environment words for bench-run.sh, for a share mounted at `mount`.
    static std::string guest_env(const std::string& mount);
    // Moves SHARED/.vfs-profiles/job-ID.txt to OUT/NAME.txt, NAME from
    // name_of(ID) (e.g. "seqread-psync-rep1"); returns how many.
    template <typename NameOf>
    static int collect(const std::filesystem::path& shared, const std::filesystem::path& out,
                       NameOf name_of);

private:
    std::filesystem::path host_perf_;
};

template <typename NameOf>
int GuestPerf::collect(const std::filesystem::path& shared, const std::filesystem::path& out,
                       NameOf name_of) {
    namespace fs = std::filesystem;
    auto dir = shared / kReportDir;
    if (!fs::is_directory(dir)) {
        return 0;
    }
    fs::create_directories(out);
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        auto stem = e.path().stem().string(); // job-ID
        if (e.path().extension() != ".txt" || stem.rfind("job-", 0) != 0) {
            continue;
        }
        int id = -1;
        try {
            id = std::stoi(stem.substr(4));
        } catch (const std::exception&) {
            continue;
        }
        fs::copy_file(e.path(), out / (name_of(id) + ".txt"), fs::copy_options::overwrite_existing);
        ++n;
    }
    return n;
}

} // namespace vfs
