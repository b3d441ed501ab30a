// Builds one DNS query frame for the packet tests: Ethernet (+ VLAN tags), IPv4 or IPv6, UDP,
// and a DNS message, every length and checksum correct unless a test asks for it not to be.
// Fluent: each setter returns the builder, build() makes the bytes.
//
//   auto frame = FrameBuilder().ipv4("10.77.0.1", "10.77.0.2").udp_ports(40000, 53)
//                    .id(0x1234).rd(true).qname("Www.Cloud.Example.com").qtype(1).build();
#pragma once

#include <array>
#include <initializer_list>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "userspace/dns_name.h"

namespace xgslb::test {

using Bytes = std::vector<uint8_t>;
using MacAddr = std::array<uint8_t, 6>;
using IpAddr = std::array<uint8_t, 16>;  // IPv4 in the first four octets, the rest zero

IpAddr parse_ip(const std::string& text);  // throws xgslb::Error
std::string ip_to_string(const IpAddr& addr, int version);

struct VlanTag {
    uint16_t tpid = 0x8100;  // 0x8100 (802.1Q) or 0x88a8 (802.1ad)
    uint16_t tci = 0;
    bool operator==(const VlanTag&) const = default;
};

// EDNS(0) OPT pseudo-record (RFC 6891 6.1.2).
struct Edns {
    uint16_t payload_size = 1232;
    uint8_t ext_rcode = 0;
    uint8_t version = 0;
    bool do_bit = false;
    uint16_t z = 0;    // the flag bits after DO
    Bytes options;     // raw {code, length, data} sequence

    // Chainable, since designated initializers that skip members trip -Wmissing-field-initializers.
    Edns& size(uint16_t v) { payload_size = v; return *this; }
    Edns& dnssec_ok(bool on = true) { do_bit = on; return *this; }
    Edns& with_version(uint8_t v) { version = v; return *this; }
    Edns& with_ext_rcode(uint8_t v) { ext_rcode = v; return *this; }
    Edns& with_z(uint16_t v) { z = v; return *this; }
    Edns& with_options(Bytes v) { options = std::move(v); return *this; }
};

struct Question {
    Bytes name;        // wire form as sent (may be malformed on purpose)
    uint16_t qtype = 1;
    uint16_t qclass = 1;
};

enum class Section { answer, authority, additional };

// The DNS message header as the builder writes it.
struct QueryHeader {
    uint16_t id = 0;
    bool qr = false, aa = false, tc = false, rd = false, ra = false, z = false, ad = false, cd = false;
    uint8_t opcode = 0;
    uint8_t rcode = 0;
};

class FrameBuilder {
public:
    FrameBuilder();

    // Ethernet.
    FrameBuilder& eth_src(MacAddr mac);
    FrameBuilder& eth_dst(MacAddr mac);
    FrameBuilder& vlan(uint16_t tci, uint16_t tpid = 0x8100);  // outermost first
    FrameBuilder& ethertype(uint16_t type);                       // overrides the IP ethertype

    // IP. ipv4()/ipv6() pick the version and the addresses.
    FrameBuilder& ipv4(const std::string& src, const std::string& dst);
    FrameBuilder& ipv6(const std::string& src, const std::string& dst);
    FrameBuilder& ttl(uint8_t ttl);                 // IPv4 TTL or IPv6 hop limit
    FrameBuilder& ipv4_options(Bytes options);      // padded to a multiple of 4; IHL grows
    FrameBuilder& ipv4_fragment(uint16_t offset_8octets, bool more_fragments);
    FrameBuilder& ipv6_extension_header(uint8_t type = 0);  // an 8-octet header (0: hop-by-hop)
    FrameBuilder& ip_protocol(uint8_t protocol);    // overrides 17 (the UDP bytes stay)

    // UDP.
    FrameBuilder& udp_ports(uint16_t src, uint16_t dst);
    FrameBuilder& udp_checksum_zero(bool zero = true);
    FrameBuilder& udp_length(uint16_t length);  // overrides the UDP length field (checksum follows it)
    FrameBuilder& ethernet_padding(size_t octets);  // zeros after the IP packet, as a NIC may deliver

    // DNS header.
    FrameBuilder& id(uint16_t id);
    FrameBuilder& qr(bool on = true);
    FrameBuilder& opcode(uint8_t opcode);
    FrameBuilder& aa(bool on = true);
    FrameBuilder& tc(bool on = true);
    FrameBuilder& rd(bool on = true);
    FrameBuilder& ra(bool on = true);
    FrameBuilder& ad(bool on = true);
    FrameBuilder& cd(bool on = true);
    FrameBuilder& rcode(uint8_t rcode);
    // Header counts as sent; by default they are what the message holds.
    FrameBuilder& counts(uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar);

    // Question: the first one is always there unless no_question(); more can be added.
    FrameBuilder& qname(std::string_view presentation);  // case preserved (name_to_wire)
    FrameBuilder& qname_wire(Bytes wire);                 // raw, for malformed names
    FrameBuilder& qtype(uint16_t type);
    FrameBuilder& qclass(uint16_t klass);
    FrameBuilder& add_question(Bytes name_wire, uint16_t type, uint16_t klass = 1);
    FrameBuilder& no_question();

    // Records after the question (raw wire bytes, one record each) and the OPT record,
    // which goes last in the additional section.
    FrameBuilder& record(Section section, Bytes rr);
    FrameBuilder& edns(Edns edns);
    FrameBuilder& trailing(Bytes garbage);  // after the last record, inside the UDP payload

    // Cut the DNS message to `octets` before lengths and checksums are computed, so the
    // headers are consistent and only the DNS message is short.
    FrameBuilder& truncate_dns(size_t octets);

    Bytes build() const;
    Bytes dns_message() const;
    Bytes question_bytes() const;  // the first question as sent (name, type, class)

    // What was set, for tests computing the expected response.
    int ip_version() const { return ip_version_; }
    const IpAddr& ip_src() const { return ip_src_; }
    const IpAddr& ip_dst() const { return ip_dst_; }
    const MacAddr& mac_src() const { return mac_src_; }
    const MacAddr& mac_dst() const { return mac_dst_; }
    const std::vector<VlanTag>& vlans() const { return vlans_; }
    uint16_t src_port() const { return sport_; }
    uint16_t dst_port() const { return dport_; }
    const QueryHeader& header() const { return header_; }
    const std::vector<Question>& questions() const { return questions_; }
    const std::optional<Edns>& edns_record() const { return edns_; }

    static Bytes opt_record(const Edns& edns);  // root owner, type 41, as in an additional section

private:
    Bytes udp_datagram(const Bytes& payload) const;

    MacAddr mac_src_, mac_dst_;
    std::vector<VlanTag> vlans_;
    std::optional<uint16_t> ethertype_;
    int ip_version_ = 4;
    IpAddr ip_src_{}, ip_dst_{};
    uint8_t ttl_ = 64;
    Bytes ipv4_options_;
    uint16_t frag_offset_ = 0;
    bool more_fragments_ = false;
    std::optional<uint8_t> ipv6_ext_;
    std::optional<uint8_t> protocol_;
    uint16_t sport_ = 40000, dport_ = 53;
    bool udp_zero_ = false;
    std::optional<uint16_t> udp_length_;
    size_t eth_padding_ = 0;
    QueryHeader header_;
    std::optional<std::array<uint16_t, 4>> counts_;
    std::vector<Question> questions_;
    std::vector<std::pair<Section, Bytes>> records_;
    std::optional<Edns> edns_;
    Bytes trailing_;
    std::optional<size_t> truncate_;
};

// Helpers for building raw records in tests.
void put16(Bytes& out, uint16_t v);
void put32(Bytes& out, uint32_t v);
Bytes label_of(size_t length, char fill = 'a');  // one label: length octet + `length` fills
Bytes concat(std::initializer_list<Bytes> parts);

}  // namespace xgslb::test
