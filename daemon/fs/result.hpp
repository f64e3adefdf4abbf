#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace vfsd::fs {

// A positive errno value.
struct Errno {
    int value;
};

// A value or an errno.  Status-only operations return a plain int (0 or errno).
template <typename T> class Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Errno error) : v_(error) { assert(error.value > 0); }

    bool ok() const { return std::holds_alternative<T>(v_); }
    int error() const { return ok() ? 0 : std::get<Errno>(v_).value; }
    T& value() { return std::get<T>(v_); }
    const T& value() const { return std::get<T>(v_); }
    T* operator->() { return &value(); }
    T& operator*() { return value(); }

private:
    std::variant<T, Errno> v_;
};

} // namespace vfsd::fs
