#include "tools/query_frame.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include <cstring>

#include "userspace/error.h"

namespace xgslb::ctl {
namespace {

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
    if (n % 2) sum += uint32_t{p[n - 1]} << 8;
    return sum;
}

uint16_t fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

// The DNS message, built by ldns: RD set as a stub would, EDNS with DO clear.
std::vector<uint8_t> dns_message(const QuerySpec& spec) {
    ldns_rdf* owner = nullptr;
    if (ldns_str2rdf_dname(&owner, spec.name.c_str()) != LDNS_STATUS_OK) throw Error("bad name: " + spec.name);
    ldns_pkt* pkt = ldns_pkt_query_new(owner, static_cast<ldns_rr_type>(spec.qtype), LDNS_RR_CLASS_IN, LDNS_RD);
    ldns_pkt_set_id(pkt, 0x4242);
    if (spec.edns || spec.ecs) {
        ldns_pkt_set_edns_udp_size(pkt, 1232);
        if (spec.ecs) {
            const std::string& text = *spec.ecs;
            const size_t slash = text.find('/');
            const std::string addr = text.substr(0, slash);
            unsigned char bytes[16] = {};
            const bool v6 = addr.find(':') != std::string::npos;
            if (inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), bytes) != 1) throw Error("bad --ecs address: " + text);
            const int max = v6 ? 128 : 32;
            const int prefix = slash == std::string::npos ? max : std::stoi(text.substr(slash + 1));
            if (prefix < 0 || prefix > max) throw Error("bad --ecs prefix length: " + text);
            // RFC 7871 6: family, source prefix, scope 0, the address cut to the prefix's octets.
            std::vector<uint8_t> opt = {0, static_cast<uint8_t>(v6 ? 2 : 1), static_cast<uint8_t>(prefix), 0};
            opt.insert(opt.end(), bytes, bytes + (prefix + 7) / 8);
            std::vector<uint8_t> data = {0, 8, static_cast<uint8_t>(opt.size() >> 8), static_cast<uint8_t>(opt.size())};
            data.insert(data.end(), opt.begin(), opt.end());
            ldns_pkt_set_edns_data(pkt, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, data.size(), data.data()));
        }
    }
    uint8_t* wire = nullptr;
    size_t size = 0;
    const ldns_status st = ldns_pkt2wire(&wire, pkt, &size);
    ldns_pkt_free(pkt);
    if (st != LDNS_STATUS_OK) throw Error(std::string("building the query: ") + ldns_get_errorstr_by_id(st));
    std::vector<uint8_t> out(wire, wire + size);
    free(wire);
    return out;
}

}  // namespace

std::vector<uint8_t> build_query_frame(const QuerySpec& spec) {
    const bool v6 = spec.server.find(':') != std::string::npos;
    uint8_t src[16] = {}, dst[16] = {};
    if (inet_pton(v6 ? AF_INET6 : AF_INET, spec.server.c_str(), dst) != 1) throw Error("bad server address " + spec.server);
    if (inet_pton(v6 ? AF_INET6 : AF_INET, spec.client.c_str(), src) != 1)
        throw Error("--client " + spec.client + " must be an IPv" + (v6 ? "6" : "4") + " address like the server's (" +
                    spec.server + ")");
    const std::vector<uint8_t> dns = dns_message(spec);
    const size_t l3 = 14, ip_len = v6 ? 40 : 20, udp = l3 + ip_len, udp_len = 8 + dns.size();
    std::vector<uint8_t> f(udp + udp_len, 0);
    // Locally administered MACs: the program swaps them; nothing leaves the machine.
    const uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, 2}, src_mac[6] = {0x02, 0, 0, 0, 0, 1};
    std::memcpy(&f[0], dst_mac, 6);
    std::memcpy(&f[6], src_mac, 6);
    put16(f, 12, v6 ? 0x86dd : 0x0800);
    const size_t addr_len = v6 ? 16 : 4;
    if (v6) {
        f[l3] = 0x60;
        put16(f, l3 + 4, static_cast<uint16_t>(udp_len));
        f[l3 + 6] = 17;
        f[l3 + 7] = 64;
        std::memcpy(&f[l3 + 8], src, 16);
        std::memcpy(&f[l3 + 24], dst, 16);
    } else {
        f[l3] = 0x45;
        put16(f, l3 + 2, static_cast<uint16_t>(ip_len + udp_len));
        f[l3 + 8] = 64;
        f[l3 + 9] = 17;
        std::memcpy(&f[l3 + 12], src, 4);
        std::memcpy(&f[l3 + 16], dst, 4);
        put16(f, l3 + 10, fold(sum16(&f[l3], 20)));
    }
    put16(f, udp, 53535);
    put16(f, udp + 2, spec.server_port);
    put16(f, udp + 4, static_cast<uint16_t>(udp_len));
    std::memcpy(&f[udp + 8], dns.data(), dns.size());
    // Pseudo-header (RFC 768 / RFC 8200 8.1) + UDP header and payload.
    uint32_t sum = sum16(src, addr_len) + sum16(dst, addr_len) + 17 + static_cast<uint32_t>(udp_len);
    sum = sum16(&f[udp], udp_len, sum);
    uint16_t csum = fold(sum);
    put16(f, udp + 6, csum == 0 ? 0xffff : csum);
    return f;
}

std::optional<std::vector<uint8_t>> udp_payload(std::span<const uint8_t> frame) {
    if (frame.size() < 14) return std::nullopt;
    const uint16_t type = static_cast<uint16_t>(frame[12] << 8 | frame[13]);
    size_t udp = 0;
    if (type == 0x0800 && frame.size() >= 34 && frame[23] == 17) udp = 14 + (frame[14] & 0x0f) * 4u;
    else if (type == 0x86dd && frame.size() >= 54 && frame[20] == 17) udp = 54;
    else return std::nullopt;
    if (frame.size() < udp + 8) return std::nullopt;
    const size_t len = static_cast<size_t>(frame[udp + 4] << 8 | frame[udp + 5]);
    if (len < 8 || udp + len > frame.size()) return std::nullopt;
    return std::vector<uint8_t>(frame.begin() + static_cast<long>(udp + 8), frame.begin() + static_cast<long>(udp + len));
}

}  // namespace xgslb::ctl
