// The soak client's DNS wire work, kept apart from its sockets so the unit tests reach it: a
// query for one name, and a response reduced to the text the checker compares with the
// published versions (soak_checker.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xgslb::soak {

// A standard A query with EDNS0 (1232-octet buffer). With `cookie`, the OPT carries a client
// COOKIE option (RFC 7873): the XDP program passes such a query to the slow path (it answers
// only OPTs without options or with ECS alone), so the soak exercises both paths' view swaps.
std::vector<uint8_t> build_query(uint16_t id, std::string_view name, bool cookie);

// A response reduced to what the checker compares:
//   "NXDOMAIN", "NODATA" (NOERROR, no A), the A addresses sorted as strings and joined by ","
//   ("10.1.0.7,172.16.3.9"), or a problem that never equals a published version:
//   "TRUNCATED" (TC=1), "RCODE<n>", "TYPE<n>" (a record other than A in the answer section),
//   "MALFORMED" (cut short, wrong counts, a question other than the one sent).
struct ParsedResponse {
    uint16_t id = 0;
    std::string answer;
};

// `qname`: the name the query with this id asked for (compared case-insensitively). Returns
// false when the datagram is not a response at all (too short, QR=0): not counted as an answer.
bool parse_response(std::span<const uint8_t> wire, std::string_view qname, ParsedResponse& out);

// The id of a response, to find its query before parsing; false when shorter than a header.
bool response_id(std::span<const uint8_t> wire, uint16_t& id);

}  // namespace xgslb::soak
