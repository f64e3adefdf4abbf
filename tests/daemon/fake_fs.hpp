#pragma once

#include "fs/file_system.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <map>
#include <optional>
#include <string>

namespace vfsd::testing {

// A file system with one file "a" (node 2) that records what it was asked.
class FakeFs : public fs::FileSystem {
public:
    std::map<fs::NodeId, std::uint64_t> forgotten;
    std::string last_name;
    std::size_t last_write = 0;
    std::optional<fs::Caller> last_caller;     // the owner mkdir was asked for
    std::optional<fs::AttrChange> last_change; // what setattr was asked for
    uid_t owner_uid = 0;                       // of "a" and of getattr's answer
    gid_t owner_gid = 0;

    void reset() override {}
    fs::Result<fs::Entry> lookup(fs::NodeId, std::string_view name) override {
        last_name = std::string(name);
        if (name != "a") {
            return fs::Errno{ENOENT};
        }
        fs::Entry e;
        e.node = 2;
        e.attr.st_ino = 1234;
        e.attr.st_mode = S_IFREG | 0644;
        e.attr.st_uid = owner_uid;
        e.attr.st_gid = owner_gid;
        return e;
    }
    void forget(fs::NodeId node, std::uint64_t n) override { forgotten[node] += n; }
    fs::Result<struct stat> getattr(fs::NodeId, std::optional<fs::HandleId>) override {
        struct stat st {};
        st.st_ino = 99;
        st.st_uid = owner_uid;
        st.st_gid = owner_gid;
        return st;
    }
    fs::Result<struct stat> setattr(fs::NodeId, const fs::AttrChange& change) override {
        last_change = change;
        return fs::Errno{ENOSYS};
    }
    fs::Result<std::string> readlink(fs::NodeId) override { return std::string("target"); }
    fs::Result<fs::Entry> mknod(fs::NodeId, std::string_view, mode_t, dev_t,
                                const fs::Caller&) override {
        return fs::Errno{ENOSYS};
    }
    fs::Result<fs::Entry> mkdir(fs::NodeId, std::string_view name, mode_t,
                                const fs::Caller& caller) override {
        last_name = std::string(name);
        last_caller = caller;
        return fs::Errno{EEXIST};
    }
    fs::Result<fs::Entry> symlink(fs::NodeId, std::string_view, std::string_view,
                                  const fs::Caller&) override {
        return fs::Errno{ENOSYS};
    }
    fs::Result<fs::Entry> link(fs::NodeId, fs::NodeId, std::string_view) override {
        return fs::Errno{ENOSYS};
    }
    int unlink(fs::NodeId, std::string_view) override { return 0; }
    int rmdir(fs::NodeId, std::string_view) override { return 0; }
    int rename(fs::NodeId, std::string_view a, fs::NodeId, std::string_view b, unsigned) override {
        last_name = std::string(a) + ">" + std::string(b);
        return 0;
    }
    fs::Result<fs::HandleId> open(fs::NodeId, int) override { return fs::HandleId{7}; }
    fs::Result<std::pair<fs::Entry, fs::HandleId>> create(fs::NodeId, std::string_view, int, mode_t,
                                                          const fs::Caller&) override {
        return fs::Errno{ENOSYS};
    }
    fs::Result<std::size_t> read(fs::HandleId, std::span<const iovec> into, off_t) override {
        std::size_t n = 0;
        for (const auto& s : into) {
            std::memset(s.iov_base, 'R', s.iov_len);
            n += s.iov_len;
        }
        return n;
    }
    fs::Result<std::size_t> write(fs::HandleId, std::span<const iovec> from, off_t) override {
        last_write = 0;
        for (const auto& s : from) {
            last_write += s.iov_len;
        }
        return last_write;
    }
    int flush(fs::HandleId) override { return 0; }
    int release(fs::HandleId) override { return 0; }
    int fsync(fs::HandleId, bool) override { return 0; }
    int fallocate(fs::HandleId, int, off_t, off_t) override { return 0; }
    fs::Result<off_t> lseek(fs::HandleId, off_t, int) override { return off_t{0}; }
    fs::Result<std::size_t> copy_file_range(fs::HandleId, off_t, fs::HandleId, off_t, std::size_t,
                                            unsigned) override {
        return std::size_t{0};
    }
    fs::Result<fs::HandleId> opendir(fs::NodeId) override { return fs::HandleId{8}; }
    int readdir(fs::HandleId, std::uint64_t offset, bool, const DirEmitter& emit) override {
        static const char* names[] = {"one", "two", "three"};
        for (std::uint64_t i = offset; i < 3; ++i) {
            fs::Entry e;
            e.node = 10 + i;
            if (!emit(fs::DirEntry{names[i], 100 + i, DT_REG, i + 1}, &e)) {
                forgotten[e.node] += 1; // the real fs drops the reference it took
                break;
            }
        }
        return 0;
    }
    int releasedir(fs::HandleId) override { return 0; }
    int fsyncdir(fs::HandleId, bool) override { return 0; }
    fs::Result<fs::StatFs> statfs(fs::NodeId) override { return fs::StatFs{}; }
    int setxattr(fs::NodeId, std::string_view, std::span<const char>, int) override { return 0; }
    fs::Result<std::size_t> getxattr(fs::NodeId, std::string_view, std::span<char> buf) override {
        if (buf.empty()) {
            return std::size_t{5};
        }
        std::memcpy(buf.data(), "value", std::min<std::size_t>(5, buf.size()));
        return std::size_t{5};
    }
    fs::Result<std::size_t> listxattr(fs::NodeId, std::span<char>) override {
        return std::size_t{0};
    }
    int removexattr(fs::NodeId, std::string_view) override { return 0; }
    int access(fs::NodeId, int) override { return 0; }
    int syncfs(fs::NodeId) override { return 0; }
};

} // namespace vfsd::testing
