#include "userspace/dns_cookie.h"

#include <netinet/in.h>

#include <cstring>

namespace xgslb {

namespace {

uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

uint64_t load_le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

struct SipState {
    uint64_t v0, v1, v2, v3;

    void round() {
        v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);
        v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;
        v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;
        v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);
    }
    void absorb(uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

}  // namespace

std::array<uint8_t, 8> siphash24(std::span<const uint8_t> message, const CookieSecret& key) {
    const uint64_t k0 = load_le64(key.data()), k1 = load_le64(key.data() + 8);
    SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
               k1 ^ 0x7465646279746573ULL};
    const size_t n = message.size();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) s.absorb(load_le64(message.data() + i));
    uint64_t last = static_cast<uint64_t>(n & 0xff) << 56;
    for (size_t j = 0; i + j < n; ++j) last |= static_cast<uint64_t>(message[i + j]) << (8 * j);
    s.absorb(last);
    s.v2 ^= 0xff;
    for (int r = 0; r < 4; ++r) s.round();
    const uint64_t h = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
    std::array<uint8_t, 8> out;
    for (int b = 0; b < 8; ++b) out[b] = static_cast<uint8_t>(h >> (8 * b));
    return out;
}

ServerCookie make_server_cookie(const ClientCookie& client, const sockaddr_storage& client_address,
                                uint32_t unix_time, const CookieSecret& secret) {
    // Hash input: client cookie | version | reserved | timestamp | client address (RFC 9018 4.4).
    uint8_t input[8 + 8 + 16];
    std::memcpy(input, client.data(), 8);
    uint8_t* const fixed = input + 8;
    fixed[0] = 1;  // version
    fixed[1] = fixed[2] = fixed[3] = 0;
    for (int b = 0; b < 4; ++b) fixed[4 + b] = static_cast<uint8_t>(unix_time >> (24 - 8 * b));
    size_t len = 16;
    if (client_address.ss_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(&client_address);
        std::memcpy(input + len, &sin->sin_addr, 4);
        len += 4;
    } else if (client_address.ss_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&client_address);
        std::memcpy(input + len, &sin6->sin6_addr, 16);
        len += 16;
    }
    const auto hash = siphash24(std::span<const uint8_t>(input, len), secret);
    ServerCookie out;
    std::memcpy(out.data(), fixed, 8);
    std::memcpy(out.data() + 8, hash.data(), 8);
    return out;
}

}  // namespace xgslb
