#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace vfs {

// Incremental SHA-256 (FIPS 180-4); used for the image cache key so the
// harness needs no crypto library.
class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t len);
    void update(std::string_view s) { update(s.data(), s.size()); }
    // Finishes the hash; the object must not be updated afterwards.
    std::array<std::uint8_t, 32> digest();
    std::string hex_digest();

    static std::string hex(std::string_view data);
    // Hash of a file's contents, read in chunks.
    static std::string hex_of_file(const std::string& path);

private:
    void block(const std::uint8_t* p);

    std::array<std::uint32_t, 8> h_;
    std::array<std::uint8_t, 64> buf_{};
    std::size_t buf_len_ = 0;
    std::uint64_t total_ = 0;
};

} // namespace vfs
