#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace vfsd {

// Owns one mmap()ed range and unmaps it exactly once.
class Mapping {
public:
    Mapping() = default;
    Mapping(void* addr, std::size_t size) : addr_(addr), size_(size) {}
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    Mapping(Mapping&& other) noexcept
        : addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    Mapping& operator=(Mapping&& other) noexcept;
    ~Mapping() { reset(); }

    // Shared read-write mapping of fd from offset 0; throws std::system_error.
    static Mapping map_shared(int fd, std::size_t size);
    // Private anonymous zeroed memory (tests use it as fake guest RAM).
    static Mapping anonymous(std::size_t size);

    std::uint8_t* data() const { return static_cast<std::uint8_t*>(addr_); }
    std::size_t size() const { return size_; }
    void reset();

private:
    void* addr_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace vfsd
