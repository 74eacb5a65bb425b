#pragma once
// CRC-32C (Castagnoli), the checksum on every durable record. Pure function, thread-safe.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace common {

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);
inline uint32_t crc32c(const void* data, size_t n) { return crc32c_extend(0, data, n); }
inline uint32_t crc32c(std::string_view s) { return crc32c(s.data(), s.size()); }

}  // namespace common
