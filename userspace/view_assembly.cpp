#include "userspace/view_assembly.h"

#include <algorithm>
#include <string_view>

#include "strategies/geo_regions.h"
#include "strategies/strategy.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

// One set of a Decision: the groups' addresses of one type in order, an address repeated in a
// later group dropped from it, groups left empty dropped; Fixed sets keep no groups.
template <typename Addresses, typename ToRdata>
RRset selected_set(uint16_t type, uint32_t ttl, const Decision& d, const GeoRegions* geo, Addresses addresses,
                   ToRdata to_rdata) {
    RRset set;
    set.type = type;
    set.ttl = ttl;
    set.selection = d.selection;
    for (const AnswerGroup& g : d.groups) {
        RRsetGroup meta{static_cast<uint32_t>(set.rdata.size()), 0, g.weight,
                        geo && d.selection == Selection::Geo ? geo->id(g.tag) : 0};
        for (const auto& x : addresses(g.targets)) {
            Rdata rd = to_rdata(x);
            if (std::find(set.rdata.begin(), set.rdata.end(), rd) != set.rdata.end()) continue;
            set.rdata.push_back(std::move(rd));
            ++meta.count;
        }
        if (meta.count && d.selection != Selection::Fixed) set.groups.push_back(meta);
    }
    return set;
}

// A Decision becomes one A and one AAAA set with the same selection; each keeps only the
// groups that have addresses of its type.
void add_decision(ZoneView::Builder& b, WireName owner, uint32_t ttl, const Decision& d, const GeoRegions* geo) {
    RRset a = selected_set(rrtype::A, ttl, d, geo, [](const TargetSet& t) -> const auto& { return t.a; }, rdata_a);
    RRset aaaa =
        selected_set(rrtype::AAAA, ttl, d, geo, [](const TargetSet& t) -> const auto& { return t.aaaa; }, rdata_aaaa);
    if (aaaa.rdata.empty()) {
        b.add_set(std::move(owner), std::move(a));
        return;
    }
    b.add_set(owner, std::move(a));
    b.add_set(std::move(owner), std::move(aaaa));
}

// localtargets-<host> in wire form, from the host's: its first label gets the prefix.
WireName localtargets_wire(const std::string& host, const WireName& host_wire) {
    static constexpr std::string_view kPrefix = "localtargets-";
    if (host_wire.empty() || host_wire[0] + kPrefix.size() > 63) return name_to_wire(localtargets_name(host));
    WireName out;
    out.reserve(host_wire.size() + kPrefix.size());
    out.push_back(static_cast<uint8_t>(host_wire[0] + kPrefix.size()));
    out.insert(out.end(), kPrefix.begin(), kPrefix.end());
    out.insert(out.end(), host_wire.begin() + 1, host_wire.end());
    return out;
}

}  // namespace

std::string localtargets_name(const std::string& host) { return "localtargets-" + host; }

std::shared_ptr<const ZoneView> build_view(const Config& config, const std::vector<GslbHost>& hosts,
                                           const std::vector<PeerTargets>& peers,
                                           std::shared_ptr<const GeoRegions> geo) {
    ZoneView::Builder b;
    b.add_config(config);
    for (const RecordConfig& r : config.records)
        if (r.strategy)
            add_decision(b, name_to_wire(r.name), r.ttl, decide(*r.strategy, r.targets, geo.get()), geo.get());
    // Reused from host to host: the same tags each time, and assigning keeps the vectors' room.
    TargetsByGeoTag targets;
    Decision local{Selection::Fixed, {{"", 0, {}}}};
    const TargetSet none;
    for (const GslbHost& host : hosts) {
        const TargetSet& ours = host.health == HostHealth::Healthy ? host.local : none;
        targets[config.geo_tag] = ours;
        // A reachable peer that did not list the host has nothing healthy for it.
        for (const PeerTargets& peer : peers) {
            if (peer.geo_tag == config.geo_tag) continue;
            const auto it = peer.hosts.find(host.name);
            targets[peer.geo_tag] = it == peer.hosts.end() ? none : it->second;
        }
        WireName owner = name_to_wire(host.name);
        WireName local_owner = localtargets_wire(host.name, owner);
        add_decision(b, std::move(owner), host.ttl, decide(host.strategy, targets, geo.get()), geo.get());
        local.groups.front().targets = ours;
        add_decision(b, std::move(local_owner), host.ttl, local, nullptr);
    }
    b.set_geo(std::move(geo));
    return b.finish();
}

std::shared_ptr<const GeoRegions> load_geo_regions(const GeoIpConfig& config) {
    if (!config.regions.empty()) return std::make_shared<const GeoRegions>(GeoRegions::from_cidrs(config.regions));
    if (!config.mmdb_path.empty())
        return std::make_shared<const GeoRegions>(GeoRegions::from_mmdb(config.mmdb_path, config.mmdb_field));
    return nullptr;
}

}  // namespace xgslb
