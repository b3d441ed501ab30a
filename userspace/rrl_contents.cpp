#include "userspace/rrl_contents.h"

#include <sys/socket.h>

#include <cstring>

namespace xgslb {

void prefix_mask(unsigned length, uint8_t* out, size_t octets) {
    for (size_t i = 0; i < octets; ++i) {
        const unsigned bits = length > i * 8 ? length - static_cast<unsigned>(i) * 8 : 0;
        out[i] = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    }
}

RrlMapContents build_rrl_contents(const RrlConfig& rrl) {
    RrlMapContents out;
    xgslb_rrl_config& c = out.config;
    if (rrl.responses_per_second) {
        c.interval_ns = 1000000000ull / rrl.responses_per_second;
        // A burst of one second's worth: a bucket that has been idle for a second answers
        // `responses_per_second` queries at once, then one per interval.
        c.burst_ns = c.interval_ns * rrl.responses_per_second;
    }
    c.slip = rrl.slip;
    c.ipv4_prefix = rrl.ipv4_prefix;
    c.ipv6_prefix = rrl.ipv6_prefix;
    uint8_t mask[16];
    prefix_mask(rrl.ipv4_prefix, mask, 4);
    std::memcpy(&c.ipv4_mask, mask, 4);
    prefix_mask(rrl.ipv6_prefix, mask, 16);
    std::memcpy(c.ipv6_mask, mask, 16);
    for (const auto& p : rrl.allow) {
        xgslb_rrl_allow_key k{};
        k.family = p.family == AF_INET ? XGSLB_FAMILY_IPV4 : XGSLB_FAMILY_IPV6;
        k.prefixlen = 8u + p.length;  // the family octet, then the address bits
        std::memcpy(k.addr, p.addr.data(), sizeof k.addr);
        out.allow.push_back(k);
    }
    c.allow_count = static_cast<uint32_t>(out.allow.size());
    return out;
}

}  // namespace xgslb
