// The `gslb:` section: which zone is shared with other clusters, where the edge DNS is, every
// cluster's geo tag, how peers are polled, and how the edge delegation is kept (edgeUpdate).
//
//   gslb:
//     zone: cloud.example.com          # one of zones[] (k8gb dnsZone)
//     edgeZone: example.com            # k8gb edgeDNSZone
//     edgeServers: ["10.0.0.1:53"]     # k8gb edgeDNSServers
//     geoTags: [eu, us]                # every cluster, ours (geoTag) included
//     peerPollIntervalMs: 1000
//     peerTimeoutMs: 300
//     peerDropAfterMs: 5000
//     edgeUpdate: {tsigKey: edge-key, nsAddresses: ["10.0.0.2"], ttl: 30}
#include <algorithm>

#include "userspace/config.h"
#include "userspace/config_fields.h"
#include "userspace/dns_name.h"
#include "userspace/gslb_names.h"

namespace xgslb::config_detail {

namespace {

EdgeUpdateConfig parse_edge_update(const Field& f, const Config& c) {
    check_keys(f, {"tsigKey", "nsAddresses", "ttl"});
    EdgeUpdateConfig e;
    const Field key = f.child("tsigKey");
    if (!key.present()) f.fail("missing key 'tsigKey' (UPDATEs are only sent signed)");
    e.tsig_key = canonical_name(get_name(key, false));
    const bool known = std::any_of(c.dns.tsig_keys.begin(), c.dns.tsig_keys.end(),
                                   [&](const TsigKeyConfig& k) { return canonical_name(k.name) == e.tsig_key; });
    if (!known) key.fail(quoted(key.node.Scalar()) + " is not a key in dns.tsigKeys");
    if (auto n = f.child("ttl"); n.present()) e.ttl = get_ttl(n);
    if (auto n = f.child("nsAddresses"); n.present()) {
        e.ns_addresses = get_socket_addresses(n);
        for (size_t i = 0; i < e.ns_addresses.size(); ++i)
            if (e.ns_addresses[i].is_wildcard())
                n.item(i).fail(quoted(e.ns_addresses[i].to_string()) + " is a wildcard; glue needs a real address");
    } else {
        for (const auto& a : c.dns.listen)
            if (!a.is_wildcard()) e.ns_addresses.push_back(a);
        if (e.ns_addresses.empty())
            f.fail("no nsAddresses, and dns.listen has no specific address to publish as glue; list them");
    }
    return e;
}

}  // namespace

GslbConfig parse_gslb(const Field& f, const Config& c) {
    check_keys(f, {"zone", "edgeZone", "edgeServers", "geoTags", "peerPollIntervalMs", "peerTimeoutMs",
                   "peerDropAfterMs", "edgeUpdate"});
    for (const char* required : {"zone", "edgeZone", "edgeServers", "geoTags"})
        if (!f.child(required).present()) f.fail(std::string("missing key '") + required + "'");
    GslbConfig g;
    const Field zone = f.child("zone");
    g.zone = get_name(zone, false);
    const bool served = std::any_of(c.zones.begin(), c.zones.end(), [&](const ZoneConfig& z) {
        return canonical_name(z.zone) == canonical_name(g.zone);
    });
    if (!served) zone.fail(quoted(g.zone) + " is not one of zones[]");
    g.edge_zone = get_name(f.child("edgeZone"), false);
    const WireName zone_wire = lowercase(name_to_wire(g.zone)), edge_wire = lowercase(name_to_wire(g.edge_zone));
    if (zone_wire == edge_wire || !is_subdomain(zone_wire, edge_wire))
        zone.fail(quoted(g.zone) + " is not below edgeZone " + quoted(g.edge_zone));
    g.edge_servers = get_socket_addresses(f.child("edgeServers"));

    const Field tags = f.child("geoTags");
    for_each_item(tags, [&](const Field& item) {
        const std::string tag = get_string(item);
        if (!valid_geo_tag(tag)) item.fail(quoted(tag) + " must be 1-32 of [a-z0-9-]");
        if (std::find(g.geo_tags.begin(), g.geo_tags.end(), tag) != g.geo_tags.end())
            item.fail(quoted(tag) + " is listed twice");
        try {
            gslb_ns_name(tag, g.zone, g.edge_zone);
        } catch (const Error& e) {
            item.fail(e.what());
        }
        g.geo_tags.push_back(tag);
    });
    if (c.geo_tag.empty()) f.fail("needs the top-level geoTag (this cluster's tag)");
    if (std::find(g.geo_tags.begin(), g.geo_tags.end(), c.geo_tag) == g.geo_tags.end())
        tags.fail("does not list this cluster's geoTag " + quoted(c.geo_tag));

    if (auto n = f.child("peerPollIntervalMs"); n.present()) g.peer_poll_interval_ms = get_uint(n, 50, 3600000);
    if (auto n = f.child("peerTimeoutMs"); n.present()) g.peer_timeout_ms = get_uint(n, 10, 60000);
    if (auto n = f.child("peerDropAfterMs"); n.present()) g.peer_drop_after_ms = get_uint(n, 100, 86400000);
    // Dropping a peer before it could have been asked twice would drop it on one lost packet.
    if (g.peer_drop_after_ms < 2 * g.peer_poll_interval_ms)
        f.fail("peerDropAfterMs (" + std::to_string(g.peer_drop_after_ms) + ") must be at least twice "
               "peerPollIntervalMs (" + std::to_string(g.peer_poll_interval_ms) + ")");
    if (auto n = f.child("edgeUpdate"); n.present()) g.edge_update = parse_edge_update(n, c);
    return g;
}

void apply_gslb_ns_default(Config& c) {
    for (ZoneConfig& z : c.zones) {
        if (!z.default_ns || canonical_name(z.zone) != canonical_name(c.gslb->zone)) continue;
        const bool default_mname = z.soa.mname == z.ns.front();
        z.ns = gslb_ns_names(c);
        z.default_ns = false;
        if (default_mname) z.soa.mname = own_ns_name(c);
    }
}

}  // namespace xgslb::config_detail
