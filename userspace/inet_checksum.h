// The Internet checksum (RFC 1071) as a ones'-complement sum, so partial sums can be combined.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xgslb {

// Ones'-complement sum of `len` octets taken as big-endian 16-bit words starting at an even
// offset (an odd last octet is padded with zero), folded to 16 bits, not inverted.
uint16_t ones_complement_sum(const uint8_t* data, size_t len, uint32_t initial = 0);

// Folds a 32-bit accumulation of 16-bit words to 16 bits with end-around carry.
uint16_t fold_sum(uint64_t sum);

}  // namespace xgslb
