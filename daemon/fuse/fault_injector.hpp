#pragma once

#include "fuse/fault_rule.hpp"
#include "vhost/request.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace vfsd::fuse {

// Sits between the transport and the FuseServer and misbehaves on purpose,
// as the --inject rules say, so the guest's error handling can be tested.
// The first rule matching a request applies; the others then skip it.
class FaultInjector final : public vhost::RequestHandler {
public:
    FaultInjector(vhost::RequestHandler& inner, std::vector<FaultRule> rules);
    ~FaultInjector();

    void handle(vhost::Request request) override;
    // A request a delay rule may hold up blocks; others as the server says.
    bool may_block(const vhost::Request& request) override;
    void release_held_requests() override;

private:
    class ReplyRewriter;
    const FaultRule* pick_rule(std::uint32_t opcode);
    void finished(ReplyRewriter* rewriter);

    vhost::RequestHandler& inner_;
    std::vector<FaultRule> rules_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> matches_;
    std::mutex mutex_;
    std::vector<vhost::Request> held_;
    std::map<ReplyRewriter*, std::unique_ptr<ReplyRewriter>> rewriters_;
};

} // namespace vfsd::fuse
