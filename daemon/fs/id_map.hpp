#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace vfsd::fs {

// How one kind of id (uids or gids) crosses between guest and host, given as
// Rust virtiofsd's --translate-uid/--translate-gid rules:
//   map:GUEST:HOST:COUNT           both ways, 1:1
//   guest:GUEST:HOST:COUNT         guest to host only, 1:1
//   host:HOST:GUEST:COUNT          host to guest only, 1:1
//   squash-guest:GUEST:HOST:COUNT  COUNT guest ids to the one host id HOST
//   squash-host:HOST:GUEST:COUNT   COUNT host ids to the one guest id GUEST
//   forbid-guest:GUEST:COUNT       guest ids a request may not use (EPERM)
// A direction without rules passes ids through unchanged.  Unlike
// virtiofsd, a direction with rules is closed, as a user namespace is: a
// guest id no rule names cannot reach the host (EPERM), and a host id no
// rule names shows as the overflow id (Documentation/vfsd.md).
class IdMap {
public:
    // What the kernel shows for an id its user namespace does not map
    // (/proc/sys/kernel/overflowuid).
    static constexpr std::uint32_t kOverflowId = 65534;

    // Adds one rule; an error message if it is malformed or overlaps an
    // earlier rule in the same direction, nullopt when added.
    std::optional<std::string> add(std::string_view spec);

    // The host id a guest id stands for; nullopt if forbidden or unmapped.
    std::optional<std::uint32_t> to_host(std::uint32_t guest) const;
    // The guest id a host id shows as.
    std::uint32_t to_guest(std::uint32_t host) const;

    bool empty() const { return to_host_.empty() && to_guest_.empty(); }

private:
    // [first, first + count) of the source side maps to target (+ offset
    // for a 1:1 rule); a Forbid rule maps nowhere.
    struct Rule {
        enum class Kind { OneToOne, Squash, Forbid };
        Kind kind;
        std::uint64_t first;
        std::uint64_t count;
        std::uint64_t target;
    };
    using Rules = std::vector<Rule>;

    static std::optional<std::string> insert(Rules& rules, const Rule& rule, std::string_view spec);
    static const Rule* find(const Rules& rules, std::uint32_t id);

    Rules to_host_;
    Rules to_guest_;
};

// The uid and gid maps of one share; both empty: ids pass unchanged.
struct IdTranslation {
    IdMap uids;
    IdMap gids;

    bool empty() const { return uids.empty() && gids.empty(); }
    // POSIX ACL xattrs hold ids inside their values, which no rule
    // translates: refused while ids are translated (virtiofsd, too, does
    // not translate with ACLs on).
    bool refuses_xattr(std::string_view name) const;
    // What an unprivileged daemon does for a kind of id it was given no
    // rules for, as virtiofsd does in its user namespace: guest root is the
    // daemon's user, and no other id crosses.
    void default_unprivileged(uid_t uid, gid_t gid);
};

} // namespace vfsd::fs
