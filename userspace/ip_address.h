// Binary IP addresses as the maps and the wire carry them (network byte order).
#pragma once

#include <array>
#include <cstdint>

namespace xgslb {

using Ipv4Address = std::array<uint8_t, 4>;
using Ipv6Address = std::array<uint8_t, 16>;

}  // namespace xgslb
