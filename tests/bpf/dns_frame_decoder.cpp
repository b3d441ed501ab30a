#include "tests/bpf/dns_frame_decoder.h"

#include <cstdio>

#include "userspace/dns_name.h"
#include "userspace/inet_checksum.h"

namespace xgslb::test {
namespace {

uint16_t get16(std::span<const uint8_t> b, size_t at) { return static_cast<uint16_t>((b[at] << 8) | b[at + 1]); }
uint32_t get32(std::span<const uint8_t> b, size_t at) { return (uint32_t(get16(b, at)) << 16) | get16(b, at + 2); }

std::string lower_name(const Bytes& wire) {
    try {
        return wire_to_name(lowercase(wire));
    } catch (const std::exception&) {
        return "<malformed " + hex(wire) + ">";
    }
}

// Reads a possibly compressed name at `at`; returns the expanded wire form and advances `at`
// past the name's octets in place. Pointers must point backwards (no loops).
std::optional<Bytes> read_name(std::span<const uint8_t> msg, size_t& at, std::string& error) {
    Bytes wire;
    size_t pos = at;
    bool jumped = false;
    size_t limit = at;  // a pointer must go before the name it is part of
    for (int hops = 0; hops < 128; ++hops) {
        if (pos >= msg.size()) { error = "name runs past the message end"; return std::nullopt; }
        uint8_t len = msg[pos];
        if ((len & 0xc0) == 0xc0) {
            if (pos + 1 >= msg.size()) { error = "compression pointer cut short"; return std::nullopt; }
            size_t target = get16(msg, pos) & 0x3fff;
            if (!jumped) at = pos + 2;
            if (target >= limit) { error = "compression pointer not backwards"; return std::nullopt; }
            limit = target;
            pos = target;
            jumped = true;
            continue;
        }
        if (len & 0xc0) { error = "bad label type " + std::to_string(len); return std::nullopt; }
        if (pos + 1 + len > msg.size()) { error = "label runs past the message end"; return std::nullopt; }
        wire.insert(wire.end(), msg.begin() + pos, msg.begin() + pos + 1 + len);
        if (wire.size() > 255) { error = "name longer than 255 octets"; return std::nullopt; }
        pos += 1 + len;
        if (len == 0) {
            if (!jumped) at = pos;
            return wire;
        }
    }
    error = "too many compression pointers";
    return std::nullopt;
}

const char* type_name(uint16_t type) {
    switch (type) {
        case 1: return "A";
        case 2: return "NS";
        case 5: return "CNAME";
        case 6: return "SOA";
        case 15: return "MX";
        case 16: return "TXT";
        case 28: return "AAAA";
        case 41: return "OPT";
        default: return nullptr;
    }
}

bool parse_record(std::span<const uint8_t> msg, size_t& at, DnsRecord& rr, std::string& error) {
    const size_t owner_at = at;
    auto owner = read_name(msg, at, error);
    if (!owner) return false;
    rr.owner_wire = *owner;
    rr.owner_raw.assign(msg.begin() + owner_at, msg.begin() + at);
    rr.name = lower_name(*owner);
    if (at + 10 > msg.size()) { error = "record header cut short"; return false; }
    rr.type = get16(msg, at);
    rr.klass = get16(msg, at + 2);
    rr.ttl = get32(msg, at + 4);
    const uint16_t rdlen = get16(msg, at + 8);
    at += 10;
    if (at + rdlen > msg.size()) { error = "rdata runs past the message end"; return false; }
    rr.rdata.assign(msg.begin() + at, msg.begin() + at + rdlen);
    const size_t rdata_end = at + rdlen;

    if (rr.type == 41) {
        OptData opt;
        opt.payload_size = rr.klass;
        opt.ext_rcode = static_cast<uint8_t>(rr.ttl >> 24);
        opt.version = static_cast<uint8_t>(rr.ttl >> 16);
        opt.do_bit = rr.ttl & 0x8000;
        opt.z = rr.ttl & 0x7fff;
        opt.options = rr.rdata;
        if (*owner != Bytes{0}) { error = "OPT owner is not the root"; return false; }
        rr.opt = opt;
    } else if (rr.type == 6) {
        SoaData soa;
        size_t p = at;
        auto mname = read_name(msg, p, error);
        if (!mname) { error = "SOA MNAME: " + error; return false; }
        auto rname = read_name(msg, p, error);
        if (!rname) { error = "SOA RNAME: " + error; return false; }
        if (p + 20 != rdata_end) { error = "SOA rdata length " + std::to_string(rdlen) + " does not match its fields"; return false; }
        soa.mname = lower_name(*mname);
        soa.rname = lower_name(*rname);
        soa.serial = get32(msg, p);
        soa.refresh = get32(msg, p + 4);
        soa.retry = get32(msg, p + 8);
        soa.expire = get32(msg, p + 12);
        soa.minimum = get32(msg, p + 16);
        rr.soa = soa;
    } else if (rr.type == 1 && rdlen != 4) {
        error = "A rdata length " + std::to_string(rdlen);
        return false;
    } else if (rr.type == 28 && rdlen != 16) {
        error = "AAAA rdata length " + std::to_string(rdlen);
        return false;
    }
    at = rdata_end;
    return true;
}

}  // namespace

std::string hex(std::span<const uint8_t> bytes) {
    std::string out;
    char buf[4];
    for (uint8_t b : bytes) {
        snprintf(buf, sizeof buf, "%02x", b);
        out += buf;
    }
    return out.empty() ? "-" : out;
}

std::string mac_to_string(const MacAddr& mac) {
    char buf[18];
    snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return buf;
}

std::string to_string(const DnsRecord& rr) {
    if (rr.opt) {
        const auto& o = *rr.opt;
        return ". OPT payload=" + std::to_string(o.payload_size) + " ext_rcode=" + std::to_string(o.ext_rcode) +
               " version=" + std::to_string(o.version) + " do=" + std::to_string(o.do_bit) +
               " z=" + std::to_string(o.z) + " options=" + hex(o.options);
    }
    std::string out = rr.name + " " + std::to_string(rr.ttl) + " ";
    out += rr.klass == 1 ? "IN" : "CLASS" + std::to_string(rr.klass);
    const char* tn = type_name(rr.type);
    out += " ";
    out += tn ? tn : "TYPE" + std::to_string(rr.type);
    out += " ";
    if (rr.type == 1 && rr.rdata.size() == 4) {
        IpAddr a{};
        std::copy(rr.rdata.begin(), rr.rdata.end(), a.begin());
        out += ip_to_string(a, 4);
    } else if (rr.type == 28 && rr.rdata.size() == 16) {
        IpAddr a{};
        std::copy(rr.rdata.begin(), rr.rdata.end(), a.begin());
        out += ip_to_string(a, 6);
    } else if (rr.soa) {
        const auto& s = *rr.soa;
        out += s.mname + " " + s.rname + " " + std::to_string(s.serial) + " " + std::to_string(s.refresh) + " " +
               std::to_string(s.retry) + " " + std::to_string(s.expire) + " " + std::to_string(s.minimum);
    } else {
        out += "\\# " + std::to_string(rr.rdata.size()) + " " + hex(rr.rdata);
    }
    return out;
}

void decode_dns_message(std::span<const uint8_t> msg, DecodedFrame& out, std::vector<std::string>& errors) {
    out.dns_message.assign(msg.begin(), msg.end());
    if (msg.size() < 12) {
        errors.push_back("DNS message of " + std::to_string(msg.size()) + " octets is shorter than its header");
        return;
    }
    auto& h = out.dns;
    h.id = get16(msg, 0);
    const uint16_t flags = get16(msg, 2);
    h.qr = flags & 0x8000;
    h.opcode = (flags >> 11) & 0xf;
    h.aa = flags & 0x0400;
    h.tc = flags & 0x0200;
    h.rd = flags & 0x0100;
    h.ra = flags & 0x0080;
    h.z = flags & 0x0040;
    h.ad = flags & 0x0020;
    h.cd = flags & 0x0010;
    h.rcode = flags & 0xf;
    h.qdcount = get16(msg, 4);
    h.ancount = get16(msg, 6);
    h.nscount = get16(msg, 8);
    h.arcount = get16(msg, 10);

    size_t at = 12;
    for (uint16_t i = 0; i < h.qdcount; ++i) {
        const size_t start = at;
        std::string error;
        auto name = read_name(msg, at, error);
        if (!name) { errors.push_back("question " + std::to_string(i) + ": " + error); return; }
        if (at + 4 > msg.size()) { errors.push_back("question " + std::to_string(i) + ": type/class cut short"); return; }
        if (i == 0) {
            out.qname = lower_name(*name);
            out.qtype = get16(msg, at);
            out.qclass = get16(msg, at + 2);
            out.question.assign(msg.begin() + start, msg.begin() + at + 4);
        }
        at += 4;
    }
    struct { const char* name; uint16_t count; std::vector<DnsRecord>* into; } sections[] = {
        {"answer", h.ancount, &out.answer},
        {"authority", h.nscount, &out.authority},
        {"additional", h.arcount, &out.additional},
    };
    for (auto& s : sections) {
        for (uint16_t i = 0; i < s.count; ++i) {
            DnsRecord rr;
            std::string error;
            if (!parse_record(msg, at, rr, error)) {
                errors.push_back(std::string(s.name) + " record " + std::to_string(i) + ": " + error);
                return;
            }
            s.into->push_back(std::move(rr));
        }
    }
    if (at != msg.size())
        errors.push_back(std::to_string(msg.size() - at) + " octet(s) after the last record: " +
                         hex(msg.subspan(at)));
}

DecodeResult decode_dns_frame(std::span<const uint8_t> frame) {
    DecodeResult result;
    auto& f = result.frame;
    auto& errors = result.errors;
    auto fail = [&](std::string e) {
        errors.push_back(std::move(e));
        return result;
    };

    if (frame.size() < 14) return fail("frame of " + std::to_string(frame.size()) + " octets: no Ethernet header");
    std::copy(frame.begin(), frame.begin() + 6, f.eth_dst.begin());
    std::copy(frame.begin() + 6, frame.begin() + 12, f.eth_src.begin());
    size_t at = 12;
    uint16_t type = get16(frame, at);
    while (type == 0x8100 || type == 0x88a8) {
        if (at + 6 > frame.size()) return fail("VLAN tag cut short");
        f.vlans.push_back({type, get16(frame, at + 2)});
        at += 4;
        type = get16(frame, at);
    }
    f.ethertype = type;
    at += 2;

    const size_t ip_at = at;
    size_t udp_at = 0;
    uint64_t pseudo = 0;
    if (type == 0x0800) {
        if (at + 20 > frame.size()) return fail("IPv4 header cut short");
        f.ip_version = frame[at] >> 4;
        f.ipv4_ihl = frame[at] & 0xf;
        if (f.ip_version != 4) errors.push_back("IPv4 ethertype but IP version " + std::to_string(f.ip_version));
        if (f.ipv4_ihl != 5) return fail("IPv4 IHL " + std::to_string(f.ipv4_ihl) + ", expected 5");
        f.ipv4_total_length = get16(frame, at + 2);
        f.ipv4_frag = get16(frame, at + 6);
        f.ttl = frame[at + 8];
        f.protocol = frame[at + 9];
        f.ipv4_checksum = get16(frame, at + 10);
        std::copy(frame.begin() + at + 12, frame.begin() + at + 16, f.ip_src.begin());
        std::copy(frame.begin() + at + 16, frame.begin() + at + 20, f.ip_dst.begin());
        if (uint16_t sum = ones_complement_sum(frame.data() + at, 20); sum != 0xffff)
            errors.push_back("IPv4 header checksum " + hex(frame.subspan(at + 10, 2)) + " is wrong (sum " +
                             std::to_string(sum) + ", should be 65535)");
        if (ip_at + f.ipv4_total_length != frame.size())
            errors.push_back("IPv4 total length " + std::to_string(f.ipv4_total_length) + " but " +
                             std::to_string(frame.size() - ip_at) + " octets follow the Ethernet header");
        if (f.ipv4_frag & 0x3fff) errors.push_back("IPv4 fragment bits set: " + std::to_string(f.ipv4_frag));
        pseudo = ones_complement_sum(frame.data() + at + 12, 8);
        udp_at = at + 20;
    } else if (type == 0x86dd) {
        if (at + 40 > frame.size()) return fail("IPv6 header cut short");
        f.ip_version = frame[at] >> 4;
        if (f.ip_version != 6) errors.push_back("IPv6 ethertype but IP version " + std::to_string(f.ip_version));
        f.ipv6_payload_length = get16(frame, at + 4);
        f.protocol = frame[at + 6];
        f.ttl = frame[at + 7];
        std::copy(frame.begin() + at + 8, frame.begin() + at + 24, f.ip_src.begin());
        std::copy(frame.begin() + at + 24, frame.begin() + at + 40, f.ip_dst.begin());
        if (ip_at + 40 + f.ipv6_payload_length != frame.size())
            errors.push_back("IPv6 payload length " + std::to_string(f.ipv6_payload_length) + " but " +
                             std::to_string(frame.size() - ip_at - 40) + " octets follow the IPv6 header");
        pseudo = ones_complement_sum(frame.data() + at + 8, 32);
        udp_at = at + 40;
    } else {
        return fail("ethertype " + std::to_string(type) + " is neither IPv4 nor IPv6");
    }
    if (f.protocol != 17) return fail("IP protocol " + std::to_string(f.protocol) + ", expected UDP (17)");
    if (udp_at + 8 > frame.size()) return fail("UDP header cut short");

    f.udp_src_port = get16(frame, udp_at);
    f.udp_dst_port = get16(frame, udp_at + 2);
    f.udp_length = get16(frame, udp_at + 4);
    f.udp_checksum = get16(frame, udp_at + 6);
    const size_t udp_avail = frame.size() - udp_at;
    if (f.udp_length != udp_avail)
        errors.push_back("UDP length " + std::to_string(f.udp_length) + " but " + std::to_string(udp_avail) +
                         " octets from the UDP header to the frame end");
    if (f.udp_length < 8 || f.udp_length > udp_avail) return fail("UDP length unusable, DNS not decoded");

    if (f.udp_checksum == 0 && f.ip_version == 6) {
        errors.push_back("UDP checksum 0 over IPv6 (RFC 8200 8.1: must be computed)");
    } else if (f.udp_checksum != 0) {
        uint64_t sum = pseudo + 17 + f.udp_length;
        sum += ones_complement_sum(frame.data() + udp_at, f.udp_length);
        if (uint16_t folded = fold_sum(sum); folded != 0xffff)
            errors.push_back("UDP checksum " + hex(frame.subspan(udp_at + 6, 2)) + " is wrong (sum " +
                             std::to_string(folded) + ", should be 65535)");
    }

    decode_dns_message(frame.subspan(udp_at + 8, f.udp_length - 8u), f, errors);
    return result;
}

}  // namespace xgslb::test
