#include "common/mapping.hpp"

#include <cerrno>
#include <sys/mman.h>
#include <system_error>

namespace vfsd {

Mapping& Mapping::operator=(Mapping&& other) noexcept {
    if (this != &other) {
        reset();
        addr_ = std::exchange(other.addr_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

Mapping Mapping::map_shared(int fd, std::size_t size) {
    void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (addr == MAP_FAILED) {
        throw std::system_error(errno, std::generic_category(), "mmap guest memory");
    }
    return Mapping(addr, size);
}

Mapping Mapping::anonymous(std::size_t size) {
    void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (addr == MAP_FAILED) {
        throw std::system_error(errno, std::generic_category(), "mmap anonymous");
    }
    return Mapping(addr, size);
}

void Mapping::reset() {
    if (addr_ != nullptr) {
        ::munmap(addr_, size_);
    }
    addr_ = nullptr;
    size_ = 0;
}

} // namespace vfsd
