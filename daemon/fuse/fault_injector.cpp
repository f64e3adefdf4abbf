#include "fuse/fault_injector.hpp"

#include "fuse/fuse_server.hpp"
#include "fuse/reply.hpp"
#include "fuse/span_reader.hpp"
#include "fuse/span_writer.hpp"

#include <chrono>
#include <linux/fuse.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace vfsd::fuse {

// Lets the real server answer, then corrupts the reply header before the
// buffer goes back to the guest.
class FaultInjector::ReplyRewriter final : public vhost::RequestCompletion {
public:
    ReplyRewriter(FaultInjector& owner, vhost::Request original, FaultRule::Kind kind)
        : owner_(owner), original_(std::move(original)), kind_(kind) {}

    vhost::Request make_inner_request() {
        const auto r = original_.readable();
        const auto w = original_.writable();
        return vhost::Request({r.begin(), r.end()}, {w.begin(), w.end()}, this, 0, nullptr);
    }

    void complete_request(std::uint16_t, std::uint32_t written) override {
        fuse_out_header h{};
        SpanReader reader(original_.writable());
        if (written >= sizeof(h) && reader.read(h)) {
            if (kind_ == FaultRule::Kind::BadLength) {
                h.len += 8;
            } else {
                h.unique ^= 0x5a5a0000;
            }
            SpanWriter(original_.writable()).write_at(0, &h, sizeof(h));
        }
        original_.complete(written);
        owner_.finished(this); // destroys this object: nothing may follow
    }

private:
    FaultInjector& owner_;
    vhost::Request original_;
    FaultRule::Kind kind_;
};

FaultInjector::FaultInjector(vhost::RequestHandler& inner, std::vector<FaultRule> rules)
    : inner_(inner), rules_(std::move(rules)),
      matches_(std::make_unique<std::atomic<std::uint64_t>[]>(rules_.size())) {
    for (const auto& r : rules_) {
        spdlog::warn("fault injection: {}", r.describe());
    }
}

FaultInjector::~FaultInjector() {
    release_held_requests();
}

const FaultRule* FaultInjector::pick_rule(std::uint32_t opcode) {
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        if (rules_[i].matches_opcode(opcode) && ++matches_[i] % rules_[i].every == 0) {
            return &rules_[i];
        }
    }
    return nullptr;
}

bool FaultInjector::may_block(const vhost::Request& request) {
    fuse_in_header h{};
    SpanReader in(request.readable());
    if (in.read(h)) {
        for (const auto& rule : rules_) {
            if (rule.kind == FaultRule::Kind::Delay && rule.matches_opcode(h.opcode)) {
                return true;
            }
        }
    }
    return inner_.may_block(request);
}

void FaultInjector::handle(vhost::Request request) {
    fuse_in_header h{};
    SpanReader in(request.readable());
    const FaultRule* rule = in.read(h) ? pick_rule(h.opcode) : nullptr;
    if (rule == nullptr) {
        return inner_.handle(std::move(request));
    }
    spdlog::info("fault injection: {} on {} unique {}", rule->describe(), opcode_name(h.opcode),
                 h.unique);
    switch (rule->kind) {
    case FaultRule::Kind::Error: {
        Reply reply(request, h.unique);
        reply.error(rule->value);
        return;
    }
    case FaultRule::Kind::Delay:
        std::this_thread::sleep_for(std::chrono::milliseconds(rule->value));
        return inner_.handle(std::move(request));
    case FaultRule::Kind::Drop: {
        std::lock_guard lock(mutex_);
        held_.push_back(std::move(request));
        return;
    }
    case FaultRule::Kind::NoReply:
        request.complete(0);
        return;
    case FaultRule::Kind::BadLength:
    case FaultRule::Kind::BadUnique: {
        auto rewriter = std::make_unique<ReplyRewriter>(*this, std::move(request), rule->kind);
        auto inner_request = rewriter->make_inner_request();
        {
            std::lock_guard lock(mutex_);
            rewriters_[rewriter.get()] = std::move(rewriter);
        }
        return inner_.handle(std::move(inner_request));
    }
    }
}

void FaultInjector::finished(ReplyRewriter* rewriter) {
    // Declared before the lock: the rewriter dies after the lock is released.
    std::unique_ptr<ReplyRewriter> done;
    std::lock_guard lock(mutex_);
    if (auto it = rewriters_.find(rewriter); it != rewriters_.end()) {
        done = std::move(it->second);
        rewriters_.erase(it);
    }
}

void FaultInjector::release_held_requests() {
    std::vector<vhost::Request> held;
    {
        std::lock_guard lock(mutex_);
        held.swap(held_);
    }
    if (!held.empty()) {
        spdlog::info("fault injection: giving back {} held requests", held.size());
    }
    // Destroying them completes them with 0 bytes.
    held.clear();
    inner_.release_held_requests(); // e.g. the server's lock waits
}

} // namespace vfsd::fuse
