#include "userspace/view_assembly.h"

#include <algorithm>
#include <exception>
#include <span>
#include <string_view>
#include <thread>
#include <tuple>

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

// An owner's A and AAAA sets into the view (either may be empty: then it is not added).
void add_sets(ZoneView::Builder& b, WireName owner, RRset a, RRset aaaa) {
    if (aaaa.rdata.empty()) {
        b.add_set(std::move(owner), std::move(a));
        return;
    }
    b.add_set(owner, std::move(a));
    b.add_set(std::move(owner), std::move(aaaa));
}

// A Decision becomes one A and one AAAA set with the same selection; each keeps only the
// groups that have addresses of its type.
std::pair<RRset, RRset> decision_sets(uint32_t ttl, const Decision& d, const GeoRegions* geo) {
    return {selected_set(rrtype::A, ttl, d, geo, [](const TargetSet& t) -> const auto& { return t.a; }, rdata_a),
            selected_set(rrtype::AAAA, ttl, d, geo, [](const TargetSet& t) -> const auto& { return t.aaaa; }, rdata_aaaa)};
}

void add_decision(ZoneView::Builder& b, WireName owner, uint32_t ttl, const Decision& d, const GeoRegions* geo) {
    auto [a, aaaa] = decision_sets(ttl, d, geo);
    add_sets(b, std::move(owner), std::move(a), std::move(aaaa));
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

// What one GSLB host publishes: its own sets, by its strategy over every cluster's targets,
// and localtargets-<host> with this cluster's.
struct HostSets {
    WireName owner, local_owner;
    RRset a, aaaa, local_a, local_aaaa;
};

// From this many hosts on, two threads decide them.
constexpr size_t kParallelHosts = 4096;

class HostDecider {
public:
    HostDecider(const Config& config, const std::vector<PeerTargets>& peers, const GeoRegions* geo)
        : config_(config), peers_(peers), geo_(geo) {}

    HostSets operator()(const GslbHost& host) {
        const TargetSet& ours = host.health == HostHealth::Healthy ? host.local : none_;
        targets_[config_.geo_tag] = ours;
        // A reachable peer that did not list the host has nothing healthy for it.
        for (const PeerTargets& peer : peers_) {
            if (peer.geo_tag == config_.geo_tag) continue;
            const auto it = peer.hosts.find(host.name);
            targets_[peer.geo_tag] = it == peer.hosts.end() ? none_ : it->second;
        }
        HostSets out;
        out.owner = name_to_wire(host.name);
        out.local_owner = localtargets_wire(host.name, out.owner);
        std::tie(out.a, out.aaaa) = decision_sets(host.ttl, decide(host.strategy, targets_, geo_), geo_);
        local_.groups.front().targets = ours;
        std::tie(out.local_a, out.local_aaaa) = decision_sets(host.ttl, local_, nullptr);
        return out;
    }

private:
    const Config& config_;
    const std::vector<PeerTargets>& peers_;
    const GeoRegions* geo_;
    // Reused from host to host: the same tags each time, and assigning keeps the vectors' room.
    TargetsByGeoTag targets_;
    Decision local_{Selection::Fixed, {{"", 0, {}}}};
    const TargetSet none_;
};

void add_host(ZoneView::Builder& b, HostSets sets) {
    add_sets(b, std::move(sets.owner), std::move(sets.a), std::move(sets.aaaa));
    add_sets(b, std::move(sets.local_owner), std::move(sets.local_a), std::move(sets.local_aaaa));
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
    // A large cluster's hosts are decided by two threads: the second decides the second half
    // into `later` while this one decides and adds the first; then this one adds `later`, in
    // order. Deciding is pure; only adding touches the view.
    const size_t split = hosts.size() >= kParallelHosts ? hosts.size() / 2 : hosts.size();
    const std::span<const GslbHost> all(hosts);
    std::vector<HostSets> later(hosts.size() - split);
    std::exception_ptr failure;
    std::thread second;
    if (!later.empty())
        second = std::thread([&] {
            try {
                HostDecider decide_host(config, peers, geo.get());
                for (size_t i = 0; i < later.size(); ++i) later[i] = decide_host(all[split + i]);
            } catch (...) {
                failure = std::current_exception();
            }
        });
    try {
        HostDecider decide_host(config, peers, geo.get());
        for (const GslbHost& host : all.first(split)) add_host(b, decide_host(host));
    } catch (...) {
        if (second.joinable()) second.join();
        throw;
    }
    if (second.joinable()) second.join();
    if (failure) std::rethrow_exception(failure);
    for (HostSets& sets : later) add_host(b, std::move(sets));
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
