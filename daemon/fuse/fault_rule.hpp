#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vfsd::fuse {

// One --inject rule: KIND[=VALUE][:OPCODE][@N]
//   error=ERRNO   reply with this error (name like EIO or a number) instead of serving
//   delay=MS      wait MS milliseconds before serving
//   drop          never reply (held until the queue stops): the guest times out
//   bad-len       the reply header claims 8 bytes more than were written
//   bad-unique    the reply carries another request's unique
//   no-reply      complete the buffer with 0 bytes written
// OPCODE is a FUSE opcode name (READ, GETATTR, ...) or "any" (the default:
// every opcode that expects a reply, except INIT and DESTROY); @N applies the
// rule to every Nth matching request only (default every one).
struct FaultRule {
    enum class Kind { Error, Delay, Drop, BadLength, BadUnique, NoReply };
    Kind kind = Kind::Error;
    int value = 0;                       // errno or milliseconds
    std::optional<std::uint32_t> opcode; // nullopt: any
    std::uint64_t every = 1;

    // nullopt and a message in *error if text is not a valid rule.
    static std::optional<FaultRule> parse(std::string_view text, std::string* error);
    bool matches_opcode(std::uint32_t op) const;
    std::string describe() const;
};

} // namespace vfsd::fuse
