// DNS COOKIE server side (RFC 7873), with the interoperable server cookie of RFC 9018:
// version 1, three reserved octets, a 32-bit timestamp and SipHash-2-4 of the client cookie,
// those eight octets and the client address, keyed with a 16-octet server secret. Any server of
// an anycast set holding the same secret verifies the others' cookies.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <sys/socket.h>

namespace xgslb {

using ClientCookie = std::array<uint8_t, 8>;
using ServerCookie = std::array<uint8_t, 16>;
using CookieSecret = std::array<uint8_t, 16>;

// SipHash-2-4 (Aumasson and Bernstein), the 64-bit output as the reference code emits it:
// little-endian octets. No Debian package ships it as a C/C++ library, and it is 40 lines.
std::array<uint8_t, 8> siphash24(std::span<const uint8_t> message, const CookieSecret& key);

// The RFC 9018 server cookie for `client` at `unix_time` (seconds), `client_address` being the
// query's source; an address family other than AF_INET/AF_INET6 contributes no octets.
ServerCookie make_server_cookie(const ClientCookie& client, const sockaddr_storage& client_address,
                                uint32_t unix_time, const CookieSecret& secret);

}  // namespace xgslb
