// An address prefix ("192.200.1.0/24", "2001:db8::/32"): GeoIP regions and ECS client subnets.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>

namespace xgslb {

struct IpPrefix {
    int family = AF_INET;            // AF_INET or AF_INET6
    std::array<uint8_t, 16> addr{};  // IPv4 in the first 4 octets; bits past `length` zero
    uint8_t length = 0;              // 0..32 or 0..128
    friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
    friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;
};

// Strict: a host bit set past the length is an error (it is almost always a typo).
// Throws xgslb::Error with a message without location.
IpPrefix parse_ip_prefix(const std::string& text);
std::string to_string(const IpPrefix& prefix);

// `addr` with every bit past `length` cleared (`bytes` octets of address).
std::array<uint8_t, 16> mask_address(const uint8_t* addr, size_t bytes, unsigned length);

}  // namespace xgslb
