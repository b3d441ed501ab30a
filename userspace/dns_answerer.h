// The slow path's brain: one DNS query message in, the response message out (or nothing: a
// message too broken to answer is dropped), from one ZoneView snapshot. Pure and thread-safe,
// so every server worker shares one Answerer, and the differential test calls it directly.
//
// The XDP program answers a subset of queries; for those, this must produce the same message
// (DESIGN.md, the one invariant): same rcode, flags (QR, AA, RD and CD copied, TC), question
// echoed byte for byte, sections, TTLs, OPT (our payload size, DO echoed); minimal responses
// (no authority or additional data beyond what the answer needs).
//
// Beyond what XDP answers (RFC 1034 4.3.2, 2181, 2308, 4592, 6891, 7873/9018, 8020, 8482):
// * apex SOA/NS (NS with in-zone glue in additional, dropped without TC when it does not fit);
//   CNAME answered and followed through our zones (at most 8 links, loops stop the chain; the
//   rcode and SOA are those of the last name); referrals below a cut (AA=0, NS in authority,
//   glue required: TC when it does not fit); DS at a cut from the parent side; wildcards.
// * ANY: one RRset, the first in type order (RFC 8482), over UDP and TCP alike.
// * REFUSED: names in no zone, QCLASS other than IN. AXFR/IXFR: zone_transfer.h (refused
//   unless signed with a TSIG key that dns.allowTransfer names).
//   Other meta types as BIND 9.18: MAILA/MAILB/TKEY NOTIMP; OPT, TSIG, 128-248 FORMERR.
// * NOTIMP for an opcode other than QUERY. FORMERR for QDCOUNT > 1, a question name that is
//   bad or compressed, records running past the end, bad pointers (not strictly backwards),
//   trailing octets, OPT outside additional / not owned by root / twice / bad option framing
//   (no OPT in such a FORMERR), a malformed COOKIE (with our OPT). QDCOUNT = 0 is FORMERR unless
//   the query carries a COOKIE (RFC 7873 5.4: NOERROR with our cookie).
// * EDNS: our OPT (udp_payload_size, version 0, DO echoed, extended rcode) whenever the query
//   had one; version > 0: BADVERS. Options other than COOKIE are ignored and not echoed (ECS too,
//   until GeoIP). Server cookies are always fresh (a wrong server cookie is not BADCOOKIE: the
//   query is answered normally with a new one, RFC 7873 5.2.3). A TSIG on a query
//   other than a transfer is not checked, and the response is unsigned.
// * Size: UDP limit 512 without EDNS, else min(max(512, client), max(512, ours)); over it, TC=1
//   with the question and OPT only. TCP: 65535.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <sys/socket.h>
#include <vector>

#include "userspace/zone_transfer.h"
#include "userspace/zone_view.h"

namespace xgslb {

struct AnswererSettings {
    uint16_t udp_payload_size = 1232;        // advertised in our OPT, cap on UDP responses
    std::array<uint8_t, 16> cookie_secret{};  // DNS COOKIE server secret (RFC 7873/9018)
    std::vector<TsigKey> tsig_keys;           // zone transfers need one with may_transfer
};

enum class Transport { udp, tcp };

struct QueryContext {
    Transport transport = Transport::udp;
    sockaddr_storage client{};  // for server cookies (and, later, GeoIP)
    std::optional<uint32_t> now;  // seconds since the epoch for cookie timestamps; unset: the clock
};

class Answerer {
public:
    explicit Answerer(AnswererSettings settings);

    // The response to `query`, or std::nullopt when the message must be dropped silently
    // (QR=1, or too short to hold a header).
    // A zone transfer over TCP is several messages: this gives only the first; see answer_all.
    std::optional<std::vector<uint8_t>> answer(std::span<const uint8_t> query, const QueryContext& context,
                                               const ZoneView& view) const;

    // The same into `out` (replaced; its capacity reused): false when the message is dropped.
    bool answer_into(std::span<const uint8_t> query, const QueryContext& context, const ZoneView& view,
                     std::vector<uint8_t>& out) const;

    // Every response message to `query` in the order they are to be sent (RFC 5936 2.2: a zone
    // transfer over TCP); one for any other query; none when it must be dropped.
    std::vector<std::vector<uint8_t>> answer_all(std::span<const uint8_t> query, const QueryContext& context,
                                                 const ZoneView& view) const;

private:
    // The first response message into `out` (false: none, drop the query); the rest of a
    // transfer's go to `rest` when it is not null.
    bool respond(std::span<const uint8_t> query, const QueryContext& context, const ZoneView& view,
                 std::vector<uint8_t>& out, std::vector<std::vector<uint8_t>>* rest) const;

    AnswererSettings settings_;
};

}  // namespace xgslb
