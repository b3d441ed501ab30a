// The slow path's brain: one DNS query message in, the response message out (or nothing: a
// message too broken to answer is dropped), from one ZoneView snapshot. Pure and thread-safe,
// so every server worker shares one Answerer, and the differential test calls it directly.
//
// The XDP program answers a subset of queries; for those, this must produce the same message
// (DESIGN.md, the one invariant): same rcode, flags (QR, AA, RD and CD copied, TC), question
// echoed byte for byte, sections, TTLs, OPT (our payload size, DO echoed); minimal responses
// (no authority or additional data beyond what the answer needs).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <sys/socket.h>
#include <vector>

#include "userspace/zone_view.h"

namespace xgslb {

struct AnswererSettings {
    uint16_t udp_payload_size = 1232;        // advertised in our OPT, cap on UDP responses
    std::array<uint8_t, 16> cookie_secret{};  // DNS COOKIE server secret (RFC 7873/9018)
};

enum class Transport { udp, tcp };

struct QueryContext {
    Transport transport = Transport::udp;
    sockaddr_storage client{};  // for server cookies (and, later, GeoIP)
};

class Answerer {
public:
    explicit Answerer(AnswererSettings settings);

    // The response to `query`, or std::nullopt when the message must be dropped silently
    // (QR=1, or too short to hold a header).
    std::optional<std::vector<uint8_t>> answer(std::span<const uint8_t> query, const QueryContext& context,
                                               const ZoneView& view) const;

private:
    AnswererSettings settings_;
};

}  // namespace xgslb
