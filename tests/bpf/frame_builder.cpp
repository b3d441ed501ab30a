#include "tests/bpf/frame_builder.h"

#include <arpa/inet.h>

#include "userspace/error.h"
#include "userspace/inet_checksum.h"

namespace xgslb::test {

IpAddr parse_ip(const std::string& text) {
    IpAddr addr{};
    if (inet_pton(AF_INET, text.c_str(), addr.data()) == 1) return addr;
    if (inet_pton(AF_INET6, text.c_str(), addr.data()) == 1) return addr;
    throw Error("not an IP address: '" + text + "'");
}

std::string ip_to_string(const IpAddr& addr, int version) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(version == 6 ? AF_INET6 : AF_INET, addr.data(), buf, sizeof buf);
    return buf;
}

void put16(Bytes& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}

void put32(Bytes& out, uint32_t v) {
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v));
}

Bytes label_of(size_t length, char fill) {
    Bytes out{static_cast<uint8_t>(length)};
    out.insert(out.end(), length, static_cast<uint8_t>(fill));
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

FrameBuilder::FrameBuilder()
    : mac_src_{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}, mac_dst_{0x02, 0x00, 0x00, 0x00, 0x00, 0x02} {
    questions_.push_back(Question{name_to_wire("."), 1, 1});
}

FrameBuilder& FrameBuilder::eth_src(MacAddr mac) { mac_src_ = mac; return *this; }
FrameBuilder& FrameBuilder::eth_dst(MacAddr mac) { mac_dst_ = mac; return *this; }
FrameBuilder& FrameBuilder::vlan(uint16_t tci, uint16_t tpid) { vlans_.push_back({tpid, tci}); return *this; }
FrameBuilder& FrameBuilder::ethertype(uint16_t type) { ethertype_ = type; return *this; }

FrameBuilder& FrameBuilder::ipv4(const std::string& src, const std::string& dst) {
    ip_version_ = 4;
    ip_src_ = parse_ip(src);
    ip_dst_ = parse_ip(dst);
    return *this;
}

FrameBuilder& FrameBuilder::ipv6(const std::string& src, const std::string& dst) {
    ip_version_ = 6;
    ip_src_ = parse_ip(src);
    ip_dst_ = parse_ip(dst);
    return *this;
}

FrameBuilder& FrameBuilder::ttl(uint8_t ttl) { ttl_ = ttl; return *this; }

FrameBuilder& FrameBuilder::ipv4_options(Bytes options) {
    while (options.size() % 4) options.push_back(0);  // EOL padding
    ipv4_options_ = std::move(options);
    return *this;
}

FrameBuilder& FrameBuilder::ipv4_fragment(uint16_t offset_8octets, bool more_fragments) {
    frag_offset_ = offset_8octets;
    more_fragments_ = more_fragments;
    return *this;
}

FrameBuilder& FrameBuilder::ipv6_extension_header(uint8_t type) { ipv6_ext_ = type; return *this; }
FrameBuilder& FrameBuilder::ip_protocol(uint8_t protocol) { protocol_ = protocol; return *this; }
FrameBuilder& FrameBuilder::udp_ports(uint16_t src, uint16_t dst) { sport_ = src; dport_ = dst; return *this; }
FrameBuilder& FrameBuilder::udp_checksum_zero(bool zero) { udp_zero_ = zero; return *this; }
FrameBuilder& FrameBuilder::udp_length(uint16_t length) { udp_length_ = length; return *this; }
FrameBuilder& FrameBuilder::ethernet_padding(size_t octets) { eth_padding_ = octets; return *this; }

FrameBuilder& FrameBuilder::id(uint16_t id) { header_.id = id; return *this; }
FrameBuilder& FrameBuilder::qr(bool on) { header_.qr = on; return *this; }
FrameBuilder& FrameBuilder::opcode(uint8_t opcode) { header_.opcode = opcode; return *this; }
FrameBuilder& FrameBuilder::aa(bool on) { header_.aa = on; return *this; }
FrameBuilder& FrameBuilder::tc(bool on) { header_.tc = on; return *this; }
FrameBuilder& FrameBuilder::rd(bool on) { header_.rd = on; return *this; }
FrameBuilder& FrameBuilder::ra(bool on) { header_.ra = on; return *this; }
FrameBuilder& FrameBuilder::ad(bool on) { header_.ad = on; return *this; }
FrameBuilder& FrameBuilder::cd(bool on) { header_.cd = on; return *this; }
FrameBuilder& FrameBuilder::rcode(uint8_t rcode) { header_.rcode = rcode; return *this; }

FrameBuilder& FrameBuilder::counts(uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
    counts_ = std::array<uint16_t, 4>{qd, an, ns, ar};
    return *this;
}

FrameBuilder& FrameBuilder::qname(std::string_view presentation) {
    if (questions_.empty()) questions_.push_back({});
    questions_[0].name = name_to_wire(presentation);
    return *this;
}

FrameBuilder& FrameBuilder::qname_wire(Bytes wire) {
    if (questions_.empty()) questions_.push_back({});
    questions_[0].name = std::move(wire);
    return *this;
}

FrameBuilder& FrameBuilder::qtype(uint16_t type) {
    if (questions_.empty()) questions_.push_back({name_to_wire("."), 1, 1});
    questions_[0].qtype = type;
    return *this;
}

FrameBuilder& FrameBuilder::qclass(uint16_t klass) {
    if (questions_.empty()) questions_.push_back({name_to_wire("."), 1, 1});
    questions_[0].qclass = klass;
    return *this;
}

FrameBuilder& FrameBuilder::add_question(Bytes name_wire, uint16_t type, uint16_t klass) {
    questions_.push_back({std::move(name_wire), type, klass});
    return *this;
}

FrameBuilder& FrameBuilder::no_question() { questions_.clear(); return *this; }
FrameBuilder& FrameBuilder::record(Section section, Bytes rr) { records_.emplace_back(section, std::move(rr)); return *this; }
FrameBuilder& FrameBuilder::edns(Edns edns) { edns_ = std::move(edns); return *this; }
FrameBuilder& FrameBuilder::trailing(Bytes garbage) { trailing_ = std::move(garbage); return *this; }
FrameBuilder& FrameBuilder::truncate_dns(size_t octets) { truncate_ = octets; return *this; }

Bytes FrameBuilder::opt_record(const Edns& edns) {
    Bytes rr{0};  // root owner
    put16(rr, 41);
    put16(rr, edns.payload_size);
    rr.push_back(edns.ext_rcode);
    rr.push_back(edns.version);
    put16(rr, static_cast<uint16_t>((edns.do_bit ? 0x8000 : 0) | (edns.z & 0x7fff)));
    put16(rr, static_cast<uint16_t>(edns.options.size()));
    rr.insert(rr.end(), edns.options.begin(), edns.options.end());
    return rr;
}

Bytes FrameBuilder::question_bytes() const {
    Bytes out;
    if (questions_.empty()) return out;
    const auto& q = questions_[0];
    out = q.name;
    put16(out, q.qtype);
    put16(out, q.qclass);
    return out;
}

Bytes FrameBuilder::dns_message() const {
    uint16_t count[4] = {static_cast<uint16_t>(questions_.size()), 0, 0, 0};
    for (const auto& [section, rr] : records_) ++count[1 + static_cast<int>(section)];
    if (edns_) ++count[3];
    if (counts_) for (int i = 0; i < 4; ++i) count[i] = (*counts_)[i];

    Bytes m;
    put16(m, header_.id);
    const auto& h = header_;
    uint16_t flags = static_cast<uint16_t>((h.qr << 15) | ((h.opcode & 0xf) << 11) | (h.aa << 10) |
                                           (h.tc << 9) | (h.rd << 8) | (h.ra << 7) | (h.z << 6) |
                                           (h.ad << 5) | (h.cd << 4) | (h.rcode & 0xf));
    put16(m, flags);
    for (uint16_t c : count) put16(m, c);
    for (const auto& q : questions_) {
        m.insert(m.end(), q.name.begin(), q.name.end());
        put16(m, q.qtype);
        put16(m, q.qclass);
    }
    for (Section section : {Section::answer, Section::authority, Section::additional})
        for (const auto& [s, rr] : records_)
            if (s == section) m.insert(m.end(), rr.begin(), rr.end());
    if (edns_) {
        Bytes opt = opt_record(*edns_);
        m.insert(m.end(), opt.begin(), opt.end());
    }
    m.insert(m.end(), trailing_.begin(), trailing_.end());
    if (truncate_ && *truncate_ < m.size()) m.resize(*truncate_);
    return m;
}

Bytes FrameBuilder::udp_datagram(const Bytes& payload) const {
    Bytes udp;
    const size_t len = udp_length_ ? *udp_length_ : 8 + payload.size();
    put16(udp, sport_);
    put16(udp, dport_);
    put16(udp, static_cast<uint16_t>(len));
    put16(udp, 0);
    udp.insert(udp.end(), payload.begin(), payload.end());
    if (udp_zero_) return udp;

    // Pseudo-header: addresses, protocol 17 and the UDP length (RFC 768, RFC 8200 8.1).
    const size_t addr_len = ip_version_ == 6 ? 16 : 4;
    uint64_t sum = ones_complement_sum(ip_src_.data(), addr_len);
    sum += ones_complement_sum(ip_dst_.data(), addr_len);
    sum += 17;
    sum += static_cast<uint32_t>(len & 0xffff) + static_cast<uint32_t>(len >> 16);
    sum += ones_complement_sum(udp.data(), udp.size());
    uint16_t csum = static_cast<uint16_t>(~fold_sum(sum));
    if (csum == 0) csum = 0xffff;
    udp[6] = static_cast<uint8_t>(csum >> 8);
    udp[7] = static_cast<uint8_t>(csum);
    return udp;
}

Bytes FrameBuilder::build() const {
    Bytes frame(mac_dst_.begin(), mac_dst_.end());
    frame.insert(frame.end(), mac_src_.begin(), mac_src_.end());
    for (const auto& tag : vlans_) {
        put16(frame, tag.tpid);
        put16(frame, tag.tci);
    }
    put16(frame, ethertype_ ? *ethertype_ : (ip_version_ == 6 ? 0x86dd : 0x0800));

    const Bytes udp = udp_datagram(dns_message());
    const uint8_t protocol = protocol_ ? *protocol_ : 17;
    if (ip_version_ == 4) {
        Bytes ip;
        const size_t header_len = 20 + ipv4_options_.size();
        ip.push_back(static_cast<uint8_t>(0x40 | (header_len / 4)));
        ip.push_back(0);  // DSCP/ECN
        put16(ip, static_cast<uint16_t>(header_len + udp.size()));
        put16(ip, 0x4242);  // identification
        put16(ip, static_cast<uint16_t>((more_fragments_ ? 0x2000 : 0) | (frag_offset_ & 0x1fff)));
        ip.push_back(ttl_);
        ip.push_back(protocol);
        put16(ip, 0);
        ip.insert(ip.end(), ip_src_.begin(), ip_src_.begin() + 4);
        ip.insert(ip.end(), ip_dst_.begin(), ip_dst_.begin() + 4);
        ip.insert(ip.end(), ipv4_options_.begin(), ipv4_options_.end());
        const uint16_t csum = static_cast<uint16_t>(~ones_complement_sum(ip.data(), ip.size()));
        ip[10] = static_cast<uint8_t>(csum >> 8);
        ip[11] = static_cast<uint8_t>(csum);
        frame.insert(frame.end(), ip.begin(), ip.end());
    } else {
        Bytes ext;
        if (ipv6_ext_) {
            // next header, length 0 (8 octets), PadN option filling the rest
            ext = {protocol, 0, 1, 4, 0, 0, 0, 0};
        }
        put32(frame, 0x60000000);
        put16(frame, static_cast<uint16_t>(ext.size() + udp.size()));
        frame.push_back(ipv6_ext_ ? *ipv6_ext_ : protocol);
        frame.push_back(ttl_);
        frame.insert(frame.end(), ip_src_.begin(), ip_src_.end());
        frame.insert(frame.end(), ip_dst_.begin(), ip_dst_.end());
        frame.insert(frame.end(), ext.begin(), ext.end());
    }
    frame.insert(frame.end(), udp.begin(), udp.end());
    frame.insert(frame.end(), eth_padding_, 0);
    return frame;
}

}  // namespace xgslb::test
