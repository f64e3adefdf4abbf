#include "app/version_table_service.hpp"

#include <cstring>
#include <linux/virtio_fs.h>
#include <spdlog/spdlog.h>
#include <system_error>

namespace vfsd {

VersionTableService::VersionTableService(const std::string& source, std::uint64_t size) {
    if (size == 0) {
        return;
    }
    try {
        watcher_ = std::make_unique<fs::HostChangeWatcher>(
            source, [this](dev_t dev, ino_t ino) { fs_->host_changed(dev, ino); },
            [this] {
                spdlog::warn("version table: host change events lost, bumping every node");
                fs_->host_changed_all();
            });
    } catch (const std::system_error& e) {
        spdlog::warn("version table off: cannot watch the host for changes ({}); without "
                     "CAP_SYS_ADMIN, changes made on the host would go unseen",
                     e.what());
        return;
    }
    table_ = std::make_unique<fs::VersionTable>(size);
    spdlog::info("version table: {} bytes, {} slots, generation {:#x}", table_->size(),
                 table_->nr_slots(), table_->generation());
}

void VersionTableService::start() {
    if (watcher_) {
        watcher_->start();
    }
}

void VersionTableService::share_through(vhost::FrontendMapper& mapper) {
    if (!table_) {
        return;
    }
    mapper.share_on_attach({VTFS_SHMCAP_ID_VTABLE, table_->fd(), table_->size(), [](int err) {
                                if (err == 0) {
                                    spdlog::info("version table mapped into the frontend "
                                                 "(shared memory region {})",
                                                 VTFS_SHMCAP_ID_VTABLE);
                                    return;
                                }
                                spdlog::warn("version table: the frontend refused it ({}); "
                                             "running without a table (QEMU needs "
                                             "vhost-user-fs-pci,version-table-size= at least "
                                             "as large as --version-table)",
                                             std::strerror(err));
                            }});
}

} // namespace vfsd
