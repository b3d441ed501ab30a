#include "bench/micro/synthetic_zone.h"

#include <arpa/inet.h>

#include "userspace/dns_name.h"

namespace xgslb::bench {

std::string host_name(size_t i) { return "host-" + std::to_string(i) + "." + kZone; }

Config synthetic_config(size_t hosts, unsigned generation) {
    Config config;
    config.instance = "micro";
    ZoneConfig zone;
    zone.zone = kZone;
    zone.ns = {std::string("ns1.") + kZone};
    zone.default_ns = true;
    zone.soa.mname = zone.ns.front();  // what the config parser fills in when they are omitted
    zone.soa.rname = std::string("hostmaster.") + kZone;
    config.zones.push_back(zone);
    config.dns.listen.push_back(parse_socket_address("10.77.0.2:53"));
    config.xdp.answer = config.dns.listen;
    config.records.reserve(hosts);
    for (size_t i = 0; i < hosts; ++i) {
        RecordConfig r;
        r.name = host_name(i);
        r.ttl = 30;
        const auto hi = static_cast<uint8_t>(i >> 8), lo = static_cast<uint8_t>(i);
        const auto changed = static_cast<uint8_t>(i % 100 == 0 ? generation : 0);
        r.a = {Ipv4Address{10, hi, lo, 1}, Ipv4Address{10, hi, lo, static_cast<uint8_t>(2 + changed)}};
        Ipv6Address v6{0x20, 0x01, 0x0d, 0xb8};
        v6[12] = static_cast<uint8_t>(i >> 16);
        v6[13] = hi;
        v6[14] = lo;
        v6[15] = 1;
        r.aaaa = {v6};
        config.records.push_back(std::move(r));
    }
    return config;
}

std::vector<uint8_t> make_query(const std::string& name, uint16_t qtype, bool edns, uint16_t id) {
    std::vector<uint8_t> q = {uint8_t(id >> 8), uint8_t(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, uint8_t(edns ? 1 : 0)};
    const WireName wire = name_to_wire(name);
    q.insert(q.end(), wire.begin(), wire.end());
    q.insert(q.end(), {uint8_t(qtype >> 8), uint8_t(qtype), 0, 1});
    if (edns) q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});  // OPT, payload 1232
    return q;
}

}  // namespace xgslb::bench
