// decide(): k8gb's strategies from every cluster's healthy targets, including the scenarios of
// k8gb's own tests (failover sequences, split failover, N-cluster round robin).
#include <gtest/gtest.h>

#include "strategies/geo_regions.h"
#include "strategies/strategy.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

TargetSet v4(std::initializer_list<Ipv4Address> a) { return TargetSet{a, {}}; }
const Ipv4Address EU1{10, 0, 0, 1}, EU2{10, 0, 0, 2}, US1{10, 1, 0, 1}, US2{10, 1, 0, 2}, ZA1{10, 2, 0, 1};

StrategySpec round_robin() { return {}; }
StrategySpec failover(const std::string& primary) { return {StrategyType::Failover, {}, primary}; }

// The records a Decision publishes, flattened in order.
std::vector<Ipv4Address> published(const Decision& d) {
    std::vector<Ipv4Address> out;
    for (const auto& g : d.groups) out.insert(out.end(), g.targets.a.begin(), g.targets.a.end());
    return out;
}

TEST(RoundRobin, EveryHealthyTargetOfEveryClusterInOneRotatingGroup) {
    const Decision d = decide(round_robin(), {{"eu", v4({EU1, EU2})}, {"us", v4({US1, US2})}}, nullptr);
    EXPECT_EQ(d.selection, Selection::Rotate);
    ASSERT_EQ(d.groups.size(), 1u);
    EXPECT_EQ(published(d), (std::vector<Ipv4Address>{EU1, EU2, US1, US2}));
}

TEST(RoundRobin, NClustersLosingAndRegainingOne) {
    TargetsByGeoTag t{{"eu", v4({EU1})}, {"us", v4({US1})}, {"za", v4({ZA1})}};
    EXPECT_EQ(published(decide(round_robin(), t, nullptr)), (std::vector<Ipv4Address>{EU1, US1, ZA1}));
    t["us"] = {};  // us reachable, nothing healthy
    EXPECT_EQ(published(decide(round_robin(), t, nullptr)), (std::vector<Ipv4Address>{EU1, ZA1}));
    t.erase("za");  // za unreachable
    EXPECT_EQ(published(decide(round_robin(), t, nullptr)), (std::vector<Ipv4Address>{EU1}));
    t["us"] = v4({US1});
    t["za"] = v4({ZA1});
    EXPECT_EQ(published(decide(round_robin(), t, nullptr)), (std::vector<Ipv4Address>{EU1, US1, ZA1}));
}

TEST(RoundRobin, NothingHealthyAnywherePublishesNothing) {
    EXPECT_TRUE(decide(round_robin(), {{"eu", {}}, {"us", {}}}, nullptr).groups.empty());
}

TEST(RoundRobin, AnAddressTwoClustersShareIsPublishedOnce) {
    EXPECT_EQ(published(decide(round_robin(), {{"eu", v4({EU1})}, {"us", v4({EU1, US1})}}, nullptr)),
              (std::vector<Ipv4Address>{EU1, US1}));
}

TEST(WeightedRoundRobin, OneGroupPerGeoTagWithItsWeight) {
    const StrategySpec spec{StrategyType::RoundRobin, {{"eu", 1}, {"us", 4}}, ""};
    const Decision d = decide(spec, {{"eu", v4({EU1, EU2})}, {"us", v4({US1, US2})}, {"za", v4({ZA1})}}, nullptr);
    EXPECT_EQ(d.selection, Selection::Weighted);
    ASSERT_EQ(d.groups.size(), 3u);
    EXPECT_EQ(d.groups[0], (AnswerGroup{"eu", 1, v4({EU1, EU2})}));
    EXPECT_EQ(d.groups[1], (AnswerGroup{"us", 4, v4({US1, US2})}));
    EXPECT_EQ(d.groups[2], (AnswerGroup{"za", 0, v4({ZA1})}));  // no weight given: 0, last
}

TEST(WeightedRoundRobin, AnUnhealthyClusterLeavesNoGroup) {
    const StrategySpec spec{StrategyType::RoundRobin, {{"eu", 1}, {"us", 4}}, ""};
    const Decision d = decide(spec, {{"eu", v4({EU1})}, {"us", {}}}, nullptr);
    ASSERT_EQ(d.groups.size(), 1u);
    EXPECT_EQ(d.groups[0].tag, "eu");
}

TEST(Failover, PrimaryHealthyGivesOnlyThePrimary) {
    EXPECT_EQ(published(decide(failover("us"), {{"eu", v4({EU1})}, {"us", v4({US1})}}, nullptr)),
              (std::vector<Ipv4Address>{US1}));
}

TEST(Failover, SecondaryClusterAnswersWithThePrimaryItCanReach) {
    // Seen from eu (the secondary): our own healthy targets and the primary's from the peer.
    const Decision d = decide(failover("us"), {{"eu", v4({EU1})}, {"us", v4({US1, US2})}}, nullptr);
    EXPECT_EQ(d.selection, Selection::Rotate);
    EXPECT_EQ(published(d), (std::vector<Ipv4Address>{US1, US2}));
}

TEST(Failover, PrimaryUnhealthyGivesTheOthers) {
    EXPECT_EQ(published(decide(failover("us"), {{"eu", v4({EU1, EU2})}, {"us", {}}, {"za", v4({ZA1})}}, nullptr)),
              (std::vector<Ipv4Address>{EU1, EU2, ZA1}));
}

// k8gb's terratest failover sequence, from either cluster's point of view (both see the same).
TEST(Failover, FullSequence) {
    TargetsByGeoTag t{{"eu", v4({EU1})}, {"us", v4({US1})}};
    const auto now = [&] { return published(decide(failover("us"), t, nullptr)); };
    EXPECT_EQ(now(), (std::vector<Ipv4Address>{US1}));
    t["us"] = {};  // stop us
    EXPECT_EQ(now(), (std::vector<Ipv4Address>{EU1}));
    t["eu"] = {};  // stop eu too
    EXPECT_EQ(now(), (std::vector<Ipv4Address>{}));
    t["us"] = v4({US1});  // start us
    EXPECT_EQ(now(), (std::vector<Ipv4Address>{US1}));
    t["eu"] = v4({EU1});  // start eu: the primary stays
    EXPECT_EQ(now(), (std::vector<Ipv4Address>{US1}));
    t["us"] = {};
    EXPECT_EQ(now(), (std::vector<Ipv4Address>{EU1}));
}

// Split failover: the clusters cannot reach each other (each peer absent from the other's view);
// each answers with what it sees, the primary with itself, the secondary with itself.
TEST(Failover, SplitClustersEachAnswerWithTheirOwn) {
    EXPECT_EQ(published(decide(failover("us"), {{"us", v4({US1})}}, nullptr)), (std::vector<Ipv4Address>{US1}));
    EXPECT_EQ(published(decide(failover("us"), {{"eu", v4({EU1})}}, nullptr)), (std::vector<Ipv4Address>{EU1}));
    // Split and the primary down: the secondary still answers, the primary has nothing.
    EXPECT_EQ(published(decide(failover("us"), {{"us", {}}}, nullptr)), (std::vector<Ipv4Address>{}));
}

TEST(Failover, IPv6TargetsFollowTheSameChoice) {
    const Ipv6Address us6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const Decision d = decide(failover("us"), {{"eu", v4({EU1})}, {"us", TargetSet{{}, {us6}}}}, nullptr);
    ASSERT_EQ(d.groups.size(), 1u);
    EXPECT_TRUE(d.groups[0].targets.a.empty());
    EXPECT_EQ(d.groups[0].targets.aaaa, std::vector<Ipv6Address>{us6});
}

GeoRegions issue_regions() {
    return GeoRegions::from_cidrs({{"site1", {parse_ip_prefix("192.200.1.0/24")}},
                                   {"site2", {parse_ip_prefix("192.200.2.0/24")}}});
}

TEST(GeoIp, OneGroupPerRegionOfTheTargetsOwnAddresses) {
    const GeoRegions geo = issue_regions();
    const Decision d = decide({StrategyType::GeoIp, {}, ""},
                              {{"eu", v4({{192, 200, 1, 5}, {192, 200, 1, 10}})},
                               {"us", v4({{192, 200, 2, 5}, {192, 200, 2, 10}, {10, 9, 9, 9}})}},
                              &geo);
    EXPECT_EQ(d.selection, Selection::Geo);
    ASSERT_EQ(d.groups.size(), 3u);
    EXPECT_EQ(d.groups[0], (AnswerGroup{"", 0, v4({{10, 9, 9, 9}})}));  // in no region
    EXPECT_EQ(d.groups[1], (AnswerGroup{"site1", 0, v4({{192, 200, 1, 5}, {192, 200, 1, 10}})}));
    EXPECT_EQ(d.groups[2], (AnswerGroup{"site2", 0, v4({{192, 200, 2, 5}, {192, 200, 2, 10}})}));
}

TEST(GeoRegions, LongestPrefixWithinTheSourceLength) {
    const GeoRegions geo = GeoRegions::from_cidrs(
        {{"a", {parse_ip_prefix("10.0.0.0/8")}}, {"b", {parse_ip_prefix("10.1.0.0/16"), parse_ip_prefix("2001:db8::/32")}}});
    const uint8_t x[4] = {10, 1, 2, 3};
    EXPECT_EQ(geo.lookup(AF_INET, x, 32), (GeoRegions::Match{2, 16}));
    EXPECT_EQ(geo.lookup(AF_INET, x, 12), (GeoRegions::Match{1, 8}));  // the client told only /12
    EXPECT_EQ(geo.lookup(AF_INET, x, 7), (GeoRegions::Match{}));
    const uint8_t y[4] = {11, 0, 0, 1};
    EXPECT_EQ(geo.lookup(AF_INET, y, 32), (GeoRegions::Match{}));
    const Ipv6Address z{0x20, 0x01, 0x0d, 0xb8, 0xff};
    EXPECT_EQ(geo.region_of(z), 2u);
    EXPECT_EQ(geo.name(2), "b");
    EXPECT_EQ(geo.prefixes().size(), 3u);
}

TEST(GeoRegions, APrefixInTwoRegionsIsAnError) {
    EXPECT_THROW(GeoRegions::from_cidrs({{"a", {parse_ip_prefix("10.0.0.0/8")}}, {"b", {parse_ip_prefix("10.0.0.0/8")}}}),
                 Error);
}

TEST(IpPrefix, StrictParsing) {
    EXPECT_EQ(to_string(parse_ip_prefix("192.200.1.0/24")), "192.200.1.0/24");
    EXPECT_THROW(parse_ip_prefix("192.200.1.1/24"), Error);
    EXPECT_THROW(parse_ip_prefix("192.200.1.0/33"), Error);
    EXPECT_THROW(parse_ip_prefix("192.200.1.0"), Error);
}

}  // namespace
}  // namespace xgslb
