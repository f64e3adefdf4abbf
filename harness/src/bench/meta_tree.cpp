#include "bench/meta_tree.hpp"

#include "util/child_process.hpp"
#include "util/string_util.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace fs = std::filesystem;

namespace vfs {

namespace {

// Every Nth file (in sorted order) gets a line appended after the commit.
constexpr std::size_t kModifyEvery = 50;

std::vector<std::string> git(const fs::path& dir, std::vector<std::string> args) {
    std::vector<std::string> argv = {"git",
                                     "-C",
                                     dir.string(),
                                     "-c",
                                     "user.name=vfs-harness",
                                     "-c",
                                     "user.email=vfs-harness@localhost",
                                     "-c",
                                     "core.autocrlf=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

} // namespace

fs::path linux_source_tarball() {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/usr/src", ec)) {
        auto name = e.path().filename().string();
        if (name.rfind("linux-source-", 0) == 0 && name.ends_with(".tar.xz")) {
            found.push_back(e.path());
        }
    }
    if (found.empty()) {
        throw std::runtime_error("bench --metadata: no /usr/src/linux-source-*.tar.xz "
                                 "(apt-get install linux-source)");
    }
    std::sort(found.begin(), found.end());
    return found.back();
}

MetaTree::MetaTree(const ProjectPaths& paths, std::vector<std::string> subtrees)
    : paths_(paths), subtrees_(std::move(subtrees)) {}

fs::path MetaTree::cache_dir() const {
    auto key = join(subtrees_, "+");
    std::replace(key.begin(), key.end(), '/', '_');
    return paths_.build() / "meta-tree" / key;
}

fs::path MetaTree::ensure() const {
    const auto dir = cache_dir();
    const auto tree = dir / "tree";
    const auto stamp = dir / ".stamp";
    if (fs::exists(stamp)) {
        return tree;
    }
    const auto tarball = linux_source_tarball();
    auto top = tarball.filename().string();
    top = top.substr(0, top.size() - std::string(".tar.xz").size());
    spdlog::info("bench: making the metadata tree {} from {} ({}), once", tree.string(),
                 tarball.string(), join(subtrees_, ", "));
    fs::remove_all(dir);
    fs::create_directories(tree);
    std::vector<std::string> tar = {"tar", "-xJf",        tarball.string(),
                                    "-C",  tree.string(), "--strip-components=1"};
    for (const auto& s : subtrees_) {
        tar.push_back(top + "/" + s);
    }
    capture_output(tar);
    capture_output(git(tree, {"init", "-q"}));
    capture_output(git(tree, {"add", "-A"}));
    capture_output(git(tree, {"commit", "-q", "-m", "metadata benchmark tree"}));
    auto files = split(capture_output(git(tree, {"ls-files"})), '\n');
    files.erase(std::remove(files.begin(), files.end(), std::string()), files.end());
    std::sort(files.begin(), files.end());
    std::size_t modified = 0;
    for (std::size_t i = 0; i < files.size(); i += kModifyEvery, ++modified) {
        std::ofstream(tree / files[i], std::ios::app) << "/* touched by vfs-harness */\n";
    }
    write_file(stamp.string(), fmt::format("{} files, {} modified\n", files.size(), modified));
    spdlog::info("bench: metadata tree: {} files, {} modified after the commit", files.size(),
                 modified);
    return tree;
}

void MetaTree::copy_to(const fs::path& dir) const {
    const auto src = ensure();
    fs::remove_all(dir / "tree");
    fs::create_directories(dir);
    // cp -a keeps the mtimes that git's index and find -newer compare.
    capture_output({"cp", "-a", src.string(), (dir / "tree").string()});
}

} // namespace vfs
