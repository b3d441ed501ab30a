#include "userspace/inet_checksum.h"

namespace xgslb {

uint16_t fold_sum(uint64_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

uint16_t ones_complement_sum(const uint8_t* data, size_t len, uint32_t initial) {
    uint64_t sum = initial;
    size_t i = 0;
    for (; i + 1 < len; i += 2) sum += (uint32_t(data[i]) << 8) | data[i + 1];
    if (i < len) sum += uint32_t(data[i]) << 8;
    return fold_sum(sum);
}

}  // namespace xgslb
