// build_view(): config records with strategies, GSLB hosts with local and peer targets, and
// localtargets-<host>, as the RRsets both paths serve.
#include "userspace/view_assembly.h"

#include <gtest/gtest.h>

#include "strategies/geo_regions.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

const RRset* find_set(const ZoneView& view, const std::string& name, uint16_t type) {
    const WireName wire = name_to_wire(name);
    const Zone* zone = view.find_zone(wire);
    if (!zone) return nullptr;
    const Node* node = zone->find(wire);
    return node ? node->find(type) : nullptr;
}

std::shared_ptr<const ZoneView> fixture_view() {
    const Config c = load_config(XGSLB_FIXTURES_DIR "/strategies.yaml");
    return build_view(c, {}, {}, load_geo_regions(c.geoip));
}

TEST(StrategyConfig, TheIssuesYamlIsAccepted) {
    const Config c = load_config(XGSLB_FIXTURES_DIR "/strategies.yaml");
    ASSERT_EQ(c.records.size(), 7u);
    ASSERT_TRUE(c.records[1].strategy);
    EXPECT_EQ(c.records[1].strategy->weights, (std::map<std::string, uint32_t>{{"eu", 1}, {"us", 4}}));
    EXPECT_EQ(c.records[3].strategy->type, StrategyType::Failover);
    EXPECT_EQ(c.records[3].strategy->primary_geo_tag, "us");
    EXPECT_EQ(c.records[4].targets.at("us").a, (std::vector<Ipv4Address>{{192, 200, 2, 5}, {192, 200, 2, 10}}));
    EXPECT_EQ(c.geoip.regions.at("site1"), std::vector<IpPrefix>{parse_ip_prefix("192.200.1.0/24")});
}

std::string error_of(const std::string& records) {
    try {
        parse_config("instance: x\nzones: [{zone: cloud.example.com}]\ndns: {listen: [\"10.77.0.2\"]}\n" + records, "t.yaml");
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(StrategyConfig, MistakesAreNamed) {
    EXPECT_EQ(error_of("records: [{name: a.cloud.example.com, strategy: {type: failover}, targets: {eu: [10.0.0.1]}}]"),
              "t.yaml:4: records[0].strategy: type failover needs 'primaryGeoTag'");
    EXPECT_EQ(error_of("records: [{name: a.cloud.example.com, strategy: {type: roundRobin, weight: {eu: 1001}}, "
                       "targets: {eu: [10.0.0.1]}}]"),
              "t.yaml:4: records[0].strategy.weight.eu: '1001' is out of range 0..1000");
    EXPECT_EQ(error_of("records: [{name: a.cloud.example.com, strategy: {type: geoip}, targets: {eu: [10.0.0.1]}}]"),
              "t.yaml:4: records[0].strategy: type geoip needs a top-level 'geoip' section");
    EXPECT_EQ(error_of("records: [{name: a.cloud.example.com, strategy: {type: roundRobin}}]"),
              "t.yaml:4: records[0]: 'strategy' needs 'targets' (geo tag -> addresses)");
    EXPECT_EQ(error_of("geoip: {regions: {a: [10.0.0.1/8]}}"),
              "t.yaml:4: geoip.regions.a[0]: \"10.0.0.1/8\" has host bits set past /8");
    EXPECT_EQ(error_of("records: [{name: a.cloud.example.com, a: [10.0.0.9], strategy: {type: roundRobin}, "
                       "targets: {eu: [10.0.0.1]}}]"),
              "t.yaml:4: records[0]: a record with a strategy takes its addresses from 'targets', not a, aaaa or cname");
}

TEST(BuildView, StrategyRecordsBecomeSelectedSets) {
    const auto view = fixture_view();
    const RRset* rr = find_set(*view, "rr.cloud.example.com", rrtype::A);
    ASSERT_TRUE(rr);
    EXPECT_EQ(rr->selection, Selection::Rotate);
    EXPECT_EQ(rr->rdata.size(), 4u);
    EXPECT_EQ(rr->groups, (std::vector<RRsetGroup>{{0, 4, 0, 0}}));

    const RRset* wrr = find_set(*view, "wrr.cloud.example.com", rrtype::A);
    ASSERT_TRUE(wrr);
    EXPECT_EQ(wrr->selection, Selection::Weighted);
    EXPECT_EQ(wrr->groups, (std::vector<RRsetGroup>{{0, 2, 1, 0}, {2, 2, 4, 0}}));
    EXPECT_EQ(wrr->rdata[2], rdata_a({10, 1, 0, 1}));
    EXPECT_FALSE(find_set(*view, "wrr.cloud.example.com", rrtype::AAAA));

    const RRset* fo = find_set(*view, "fo.cloud.example.com", rrtype::A);
    ASSERT_TRUE(fo);
    EXPECT_EQ(fo->rdata, std::vector<Rdata>{rdata_a({10, 1, 0, 1})});

    const RRset* geo = find_set(*view, "geo.cloud.example.com", rrtype::A);
    ASSERT_TRUE(geo);
    EXPECT_EQ(geo->selection, Selection::Geo);
    ASSERT_TRUE(view->geo());
    EXPECT_EQ(geo->groups, (std::vector<RRsetGroup>{{0, 2, 0, view->geo()->id("site1")}, {2, 2, 0, view->geo()->id("site2")}}));

    const RRset* plain = find_set(*view, "plain.cloud.example.com", rrtype::A);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->selection, Selection::Fixed);
    EXPECT_TRUE(plain->groups.empty());
}

Config cluster_config(const std::string& tag) {
    Config c = parse_config("instance: x\ngeoTag: " + tag +
                                "\nzones: [{zone: cloud.example.com}]\ndns: {listen: [\"10.77.0.2\"]}\n",
                            "t.yaml");
    return c;
}

GslbHost host(const std::string& name, StrategySpec spec, HostHealth health, TargetSet local) {
    GslbHost h;
    h.name = name;
    h.strategy = std::move(spec);
    h.health = health;
    h.local = std::move(local);
    return h;
}

TEST(BuildView, HostsCombineLocalAndPeerTargetsAndPublishLocaltargets) {
    const Config c = cluster_config("eu");
    const TargetSet eu{{{10, 0, 0, 1}}, {}}, us{{{10, 1, 0, 1}}, {}};
    const StrategySpec fo{StrategyType::Failover, {}, "us"};
    const std::vector<PeerTargets> peers{{"us", {{"fo.cloud.example.com", us}}}};
    const auto view = build_view(c, {host("fo.cloud.example.com", fo, HostHealth::Healthy, eu),
                                     host("rr.cloud.example.com", {}, HostHealth::Healthy, eu)},
                                 peers, nullptr);
    // us is primary and healthy: its targets, even though we are healthy too.
    EXPECT_EQ(find_set(*view, "fo.cloud.example.com", rrtype::A)->rdata, std::vector<Rdata>{rdata_a({10, 1, 0, 1})});
    // The peer did not list rr: nothing healthy there, only ours.
    EXPECT_EQ(find_set(*view, "rr.cloud.example.com", rrtype::A)->rdata, std::vector<Rdata>{rdata_a({10, 0, 0, 1})});
    const RRset* local = find_set(*view, "localtargets-fo.cloud.example.com", rrtype::A);
    ASSERT_TRUE(local);
    EXPECT_EQ(local->selection, Selection::Fixed);
    EXPECT_EQ(local->rdata, std::vector<Rdata>{rdata_a({10, 0, 0, 1})});
}

TEST(BuildView, AnUnhealthyHostPublishesNoLocalTargets) {
    const Config c = cluster_config("eu");
    const TargetSet eu{{{10, 0, 0, 1}}, {}};
    const auto view = build_view(c, {host("rr.cloud.example.com", {}, HostHealth::Unhealthy, eu)}, {}, nullptr);
    EXPECT_FALSE(find_set(*view, "rr.cloud.example.com", rrtype::A));
    EXPECT_FALSE(find_set(*view, "localtargets-rr.cloud.example.com", rrtype::A));
}

TEST(BuildView, AHostOutsideEveryZoneIsAnError) {
    const Config c = cluster_config("eu");
    EXPECT_THROW(build_view(c, {host("x.other.org", {}, HostHealth::Healthy, TargetSet{{{10, 0, 0, 1}}, {}})}, {}, nullptr),
                 Error);
}

// Many hosts are decided by two threads (the second half by the second): every host's sets
// arrive, with the peers' targets, and a host that cannot be a name fails the whole view in
// either half.
TEST(BuildView, ManyHostsDecidedByTwoThreadsAllArrive) {
    const Config c = cluster_config("eu");
    constexpr size_t kHosts = 6000;
    std::vector<GslbHost> hosts;
    PeerTargets us{"us", {}};
    for (size_t i = 0; i < kHosts; ++i) {
        const Ipv4Address ours{10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
        hosts.push_back(host("h" + std::to_string(i) + ".cloud.example.com", {}, HostHealth::Healthy, {{ours}, {}}));
        us.hosts[hosts.back().name] = TargetSet{{Ipv4Address{10, 1, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)}}, {}};
    }
    const auto view = build_view(c, hosts, {us}, nullptr);
    for (size_t i = 0; i < kHosts; i += 13) {
        const uint8_t hi = static_cast<uint8_t>(i >> 8), lo = static_cast<uint8_t>(i);
        const RRset* rr = find_set(*view, hosts[i].name, rrtype::A);
        ASSERT_TRUE(rr) << hosts[i].name;
        EXPECT_EQ(rr->rdata, (std::vector<Rdata>{rdata_a({10, 0, hi, lo}), rdata_a({10, 1, hi, lo})})) << hosts[i].name;
        const RRset* local = find_set(*view, "localtargets-" + hosts[i].name, rrtype::A);
        ASSERT_TRUE(local) << hosts[i].name;
        EXPECT_EQ(local->rdata, std::vector<Rdata>{rdata_a({10, 0, hi, lo})});
    }
    for (size_t bad : {size_t{10}, kHosts - 10}) {  // in the first half, in the second
        std::vector<GslbHost> with_bad = hosts;
        with_bad[bad].name = std::string(64, 'x') + ".cloud.example.com";  // a label over 63 octets
        EXPECT_THROW(build_view(c, with_bad, {us}, nullptr), Error) << bad;
    }
}

}  // namespace
}  // namespace xgslb
