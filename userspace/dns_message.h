// The wire side of the slow path: reading a query exactly as the answerer needs it (the question
// bytes as received, the one OPT record and its COOKIE option) and writing a response with name
// compression. Hand-written rather than ldns_wire2pkt/ldns_pkt2wire: the question must be echoed
// byte for byte (0x20 case), owners compressed exactly as the XDP program writes them, and rdata
// names left uncompressed (as XDP writes the SOA), and every malformation must map to one
// deliberate outcome. It allocates nothing per record. ldns decodes these messages in the tests.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "userspace/dns_cookie.h"
#include "userspace/dns_name.h"

namespace xgslb::dns {

constexpr size_t kHeaderLen = 12;
constexpr uint16_t kFlagQr = 0x8000, kFlagAa = 0x0400, kFlagTc = 0x0200, kFlagRd = 0x0100, kFlagCd = 0x0010;
constexpr uint16_t kOpcodeMask = 0x7800;
constexpr uint16_t kClassIn = 1;
constexpr uint16_t kTypeOpt = 41;
constexpr uint16_t kOptionCookie = 10;
constexpr uint16_t kOptionClientSubnet = 8;  // RFC 7871
constexpr size_t kMinUdpPayload = 512;  // RFC 1035 4.2.1, and the EDNS floor (RFC 6891 6.2.3)
constexpr size_t kMaxTcpMessage = 65535;

enum Rcode : uint16_t { noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5, badvers = 16 };

// A well-formed EDNS Client Subnet option (RFC 7871 6) of a query: FAMILY 1 or 2, SOURCE
// PREFIX-LENGTH within it, ADDRESS exactly ceil(source/8) octets with the bits past it zero,
// SCOPE 0. Anything else is ignored (not used, not echoed), like an unknown option.
struct ClientSubnet {
    uint16_t family = 1;               // 1: IPv4, 2: IPv6 (address family numbers)
    uint8_t source_len = 0;
    std::array<uint8_t, 16> addr{};    // the ADDRESS octets sent, zero-padded
    friend bool operator==(const ClientSubnet&, const ClientSubnet&) = default;
};

struct EdnsQuery {
    uint16_t udp_payload_size = 0;  // as sent; the caller applies the 512 floor
    uint8_t version = 0;
    bool dnssec_ok = false;
    std::optional<ClientCookie> cookie;  // the client cookie of a well-formed COOKIE option
    bool cookie_malformed = false;       // length not 8 or 16..40, or a second COOKIE option
    std::optional<ClientSubnet> client_subnet;  // one well-formed ECS option; a second drops both
};

struct Query {
    uint16_t id = 0;
    uint16_t flags = 0;  // as received
    uint16_t qdcount = 0;
    // False when something after the header did not parse (FORMERR): a bad or compressed
    // question name, a record running past the end, trailing octets, an OPT outside the
    // additional section, with a non-root owner or bad options, two OPTs, QDCOUNT > 1.
    bool well_formed = false;
    // The question entry (QNAME, QTYPE, QCLASS) as received; empty unless it parsed.
    std::span<const uint8_t> question;
    uint16_t qtype = 0, qclass = 0;
    std::optional<EdnsQuery> edns;  // meaningful only when well_formed

    uint16_t opcode() const { return (flags & kOpcodeMask) >> 11; }
    std::span<const uint8_t> qname() const { return question.first(question.size() - 4); }
};

// std::nullopt: the message is to be dropped unanswered (shorter than a header, or QR=1).
std::optional<Query> parse_query(std::span<const uint8_t> message);

// One resource record to write; `owner` is compressed against the question and earlier owners.
struct Record {
    const uint8_t* owner = nullptr;  // uncompressed wire name
    size_t owner_len = 0;
    uint16_t type = 0;
    uint32_t ttl = 0;
    const std::vector<uint8_t>* rdata = nullptr;  // uncompressed, written as it is
};

struct OptRecord {
    uint16_t udp_payload_size = 0;
    uint8_t extended_rcode = 0;  // upper 8 bits of a 12-bit rcode
    bool dnssec_ok = false;
    std::optional<ClientCookie> client_cookie;  // with server_cookie: a COOKIE option
    ServerCookie server_cookie{};
    std::optional<ClientSubnet> client_subnet;  // echoed (RFC 7871 7.2.1), before any COOKIE
    uint8_t scope_len = 0;                      // its SCOPE PREFIX-LENGTH
};

struct ResponseParts {
    uint16_t id = 0;
    uint16_t flags = 0;  // QR, opcode, AA, TC, RD, CD and the low 4 bits of the rcode
    std::span<const uint8_t> question;  // echoed as it is; empty for none
    std::span<const Record> answer, authority, additional;
    std::optional<OptRecord> opt;
};

// Encodes a response into `out` (cleared first).
void write_response(const ResponseParts& parts, std::vector<uint8_t>& out);

}  // namespace xgslb::dns
