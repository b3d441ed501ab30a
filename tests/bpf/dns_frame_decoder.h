// Decodes a response frame the XDP program sent (Ethernet, VLAN tags, IPv4/IPv6, UDP, DNS) into
// plain fields, and checks what must hold for any frame on the wire: the IPv4 header checksum,
// the UDP checksum (IPv6: must be correct; IPv4: correct or 0), IP and UDP lengths consistent
// with the frame, DNS records that parse, no octet left over. Every problem found is listed,
// so a failing test shows all of them at once.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tests/bpf/frame_builder.h"

namespace xgslb::test {

struct SoaData {
    std::string mname, rname;  // lowercased presentation form
    uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};

struct OptData {
    uint16_t payload_size = 0;
    uint8_t ext_rcode = 0;
    uint8_t version = 0;
    bool do_bit = false;
    uint16_t z = 0;
    Bytes options;
};

struct DnsRecord {
    std::string name;       // owner, compression followed, lowercased presentation form
    Bytes owner_wire;       // owner, compression followed, case as in the message
    Bytes owner_raw;        // owner octets as they appear at the record (pointer or labels)
    uint16_t type = 0;
    uint16_t klass = 0;
    uint32_t ttl = 0;
    Bytes rdata;
    std::optional<SoaData> soa;
    std::optional<OptData> opt;
};

// One line per record, the same for expected and decoded records, so sets compare as strings:
// "name. ttl CLASS TYPE rdata", e.g. "a.cloud.example.com. 30 IN A 10.1.0.1".
std::string to_string(const DnsRecord& rr);

struct DnsHeaderFields {
    uint16_t id = 0;
    bool qr = false, aa = false, tc = false, rd = false, ra = false, z = false, ad = false, cd = false;
    uint8_t opcode = 0, rcode = 0;
    uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
};

struct DecodedFrame {
    MacAddr eth_dst{}, eth_src{};
    std::vector<VlanTag> vlans;
    uint16_t ethertype = 0;  // after the VLAN tags

    int ip_version = 0;
    IpAddr ip_src{}, ip_dst{};
    uint8_t ttl = 0;                 // IPv4 TTL or IPv6 hop limit
    uint8_t protocol = 0;            // IPv4 protocol or IPv6 next header
    uint8_t ipv4_ihl = 0;
    uint16_t ipv4_total_length = 0;
    uint16_t ipv4_frag = 0;          // flags and fragment offset
    uint16_t ipv4_checksum = 0;
    uint16_t ipv6_payload_length = 0;

    uint16_t udp_src_port = 0, udp_dst_port = 0, udp_length = 0, udp_checksum = 0;

    DnsHeaderFields dns;
    Bytes question;                  // the question section as sent (name, type, class)
    std::string qname;               // lowercased presentation form
    uint16_t qtype = 0, qclass = 0;
    std::vector<DnsRecord> answer, authority, additional;
    Bytes dns_message;
};

struct DecodeResult {
    DecodedFrame frame;
    std::vector<std::string> errors;
    bool ok() const { return errors.empty(); }
};

DecodeResult decode_dns_frame(std::span<const uint8_t> frame);

// Parses a DNS message alone (used by decode_dns_frame; handy on its own in tests).
void decode_dns_message(std::span<const uint8_t> msg, DecodedFrame& out, std::vector<std::string>& errors);

std::string hex(std::span<const uint8_t> bytes);
std::string mac_to_string(const MacAddr& mac);

}  // namespace xgslb::test
