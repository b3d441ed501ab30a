#include "userspace/view_assembly.h"

#include "strategies/geo_regions.h"
#include "strategies/strategy.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

using Groups = std::vector<std::pair<RRsetGroup, std::vector<Rdata>>>;

// A Decision becomes one A and one AAAA set with the same selection; each keeps only the
// groups that have addresses of its type.
void add_decision(ZoneView::Builder& b, const std::string& name, uint32_t ttl, const Decision& d,
                  const GeoRegions* geo) {
    Groups a, aaaa;
    for (const AnswerGroup& g : d.groups) {
        const RRsetGroup meta{0, 0, g.weight, geo && d.selection == Selection::Geo ? geo->id(g.tag) : 0};
        std::vector<Rdata> ra, raaaa;
        for (const auto& x : g.targets.a) ra.push_back(rdata_a(x));
        for (const auto& x : g.targets.aaaa) raaaa.push_back(rdata_aaaa(x));
        a.emplace_back(meta, std::move(ra));
        aaaa.emplace_back(meta, std::move(raaaa));
    }
    const WireName owner = name_to_wire(name);
    b.add_selected(owner, rrtype::A, ttl, d.selection, std::move(a));
    b.add_selected(owner, rrtype::AAAA, ttl, d.selection, std::move(aaaa));
}

}  // namespace

std::string localtargets_name(const std::string& host) { return "localtargets-" + host; }

std::shared_ptr<const ZoneView> build_view(const Config& config, const std::vector<GslbHost>& hosts,
                                           const std::vector<PeerTargets>& peers,
                                           std::shared_ptr<const GeoRegions> geo) {
    ZoneView::Builder b;
    b.add_config(config);
    for (const RecordConfig& r : config.records)
        if (r.strategy) add_decision(b, r.name, r.ttl, decide(*r.strategy, r.targets, geo.get()), geo.get());
    for (const GslbHost& host : hosts) {
        TargetsByGeoTag targets;
        const TargetSet ours = host.health == HostHealth::Healthy ? host.local : TargetSet{};
        targets[config.geo_tag] = ours;
        // A reachable peer that did not list the host has nothing healthy for it.
        for (const PeerTargets& peer : peers) {
            if (peer.geo_tag == config.geo_tag) continue;
            const auto it = peer.hosts.find(host.name);
            targets[peer.geo_tag] = it == peer.hosts.end() ? TargetSet{} : it->second;
        }
        add_decision(b, host.name, host.ttl, decide(host.strategy, targets, geo.get()), geo.get());
        add_decision(b, localtargets_name(host.name), host.ttl, Decision{Selection::Fixed, {{"", 0, ours}}}, nullptr);
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
