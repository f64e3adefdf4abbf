// vfsd: a vhost-user-fs backend serving a host directory over FUSE.

#include "app/confinement.hpp"
#include "app/daemon_config.hpp"
#include "app/pooled_handler.hpp"
#include "app/sandbox.hpp"
#include "app/version_table_service.hpp"
#include "fs/node_state_store.hpp"
#include "fs/passthrough_fs.hpp"
#include "fuse/fault_injector.hpp"
#include "fuse/fuse_server.hpp"
#include "vhost/backend.hpp"
#include "vhost/frontend_mapper.hpp"
#include "vhost/listener.hpp"
#include "vhost/message_channel.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <system_error>

namespace {

void setup_logging(const std::string& level) {
    auto logger = spdlog::stderr_logger_mt("vfsd");
    logger->set_pattern("[%H:%M:%S.%e] [vfsd] [%l] %v");
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

// Every node the guest knows pins an fd, so take as many as we may.
void raise_fd_limit() {
    rlimit limit;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

std::unique_ptr<vfsd::fs::NodeStateStore> open_state_store(const vfsd::DaemonConfig& config) {
    if (config.state_file.empty()) {
        return nullptr;
    }
    auto store = vfsd::fs::NodeStateStore::open(config.state_file, {});
    struct stat st;
    if (::stat(config.source.c_str(), &st) != 0) {
        throw std::system_error(errno, std::generic_category(), "stat " + config.source);
    }
    store->bind_root(st.st_dev, st.st_ino);
    return store;
}

int run(const vfsd::DaemonConfig& config) {
    for (const auto& o : config.ignored_options) {
        spdlog::info("ignoring option {}", o);
    }
    auto ids = config.ids;
    if (::geteuid() != 0) {
        // It cannot give a file another owner than itself: what no rule
        // says, virtiofsd's user namespace does (Documentation/vfsd.md).
        ids.default_unprivileged(::geteuid(), ::getegid());
        spdlog::info("unprivileged: files are created as uid {} gid {}; where no "
                     "--translate-* rule says otherwise, that is guest root and no other "
                     "guest id may own files",
                     ::geteuid(), ::getegid());
    }
    ::signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    auto listener = config.socket_fd ? vfsd::vhost::Listener::adopt(*config.socket_fd)
                                     : vfsd::vhost::Listener::bind_path(config.socket_path);
    // Modes the guest asks for are final: it has already applied its umask.
    ::umask(0);

    // Before the sandbox and before capabilities are dropped: the host
    // change watcher needs CAP_SYS_ADMIN and the host's view of the source.
    vfsd::VersionTableService versions(config.source, config.version_table_size);
    // The state file is a host path: opened before the sandbox hides it.
    auto state = open_state_store(config);
    // Everything on the host (the socket above) is open; from here on the
    // process sees only the shared directory.  Single-threaded until the
    // server starts: the namespace sandbox forks.
    auto root = vfsd::enter_sandbox(config.sandbox, config.source);
    spdlog::info("sandbox {}", vfsd::to_string(config.sandbox));
    vfsd::fs::PassthroughFs fs(root.source, std::move(root.proc_self_fd),
                               {config.writeback, config.xattr, versions.table(), state.get()});
    versions.report_to(fs);
    vfsd::fuse::FuseServerOptions fuse_options;
    fuse_options.cache = vfsd::fuse::CachePolicy::for_mode(config.cache, config.writeback);
    fuse_options.readdirplus = config.readdirplus;
    fuse_options.state = state.get();
    fuse_options.ids = ids;
    // DAX window mappings go to the frontend over the backend channel.
    vfsd::vhost::FrontendMapper dax_mapper;
    fuse_options.dax = &dax_mapper;
    versions.share_through(dax_mapper);
    vfsd::fuse::FuseServer server(fs, fuse_options);
    // After the sandbox (its mounts need CAP_SYS_ADMIN) and before any thread
    // exists: capabilities are per thread.
    // The version table's watcher opens fanotify's file handles.
    // So does restoring nodes from the state file (open_by_handle_at).
    const vfsd::HandleAccess handle_access{versions.table() != nullptr || state != nullptr};
    if (config.drop_capabilities) {
        vfsd::drop_capabilities(handle_access);
    }
    vfsd::install_seccomp_filter(config.seccomp, handle_access);
    if (state && state->session_active()) {
        const auto restored = fs.restore_state();
        server.resume_session();
        spdlog::info("restart: resumed the guest's session from {}: {} nodes, {} open handles "
                     "({} nodes and {} handles lost)",
                     config.state_file, restored.nodes, restored.handles, restored.nodes_lost,
                     restored.handles_lost);
    }
    versions.start();

    vfsd::vhost::RequestHandler* handler = &server;
    std::unique_ptr<vfsd::fuse::FaultInjector> injector;
    if (!config.faults.empty()) {
        injector = std::make_unique<vfsd::fuse::FaultInjector>(server, config.faults);
        handler = injector.get();
    }
    std::unique_ptr<vfsd::PooledHandler> pool;
    vfsd::vhost::BackendOptions backend_options{config.max_request_queues + 1, true, &dax_mapper};
    if (config.thread_pool_shared) {
        pool = std::make_unique<vfsd::PooledHandler>(*handler, config.thread_pool_size);
        handler = pool.get();
    } else {
        backend_options.threads_per_queue = std::max(1u, config.thread_pool_size);
    }
    vfsd::vhost::Backend backend(*handler, backend_options);
    spdlog::info("sharing {} (cache={}{}, {} request queues max, {} threads {})", config.source,
                 vfsd::fuse::to_string(config.cache), config.writeback ? ", writeback" : "",
                 config.max_request_queues, config.thread_pool_size,
                 config.thread_pool_shared ? "in one shared pool" : "per request queue");

    spdlog::info("waiting for vhost-user connection on {}",
                 config.socket_fd ? "fd " + std::to_string(*config.socket_fd) : config.socket_path);
    vfsd::vhost::MessageChannel channel(listener.accept_one());
    spdlog::info("vhost-user frontend connected");
    backend.serve(channel);
    spdlog::info("exiting");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    auto outcome = vfsd::parse_command_line(argc, argv);
    if (!outcome.config) {
        return outcome.exit_code;
    }
    setup_logging(outcome.config->log_level);
    try {
        return run(*outcome.config);
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
