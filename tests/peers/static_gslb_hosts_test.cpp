// Static strategy records as GSLB hosts while a gslb section is set: local targets are those of
// our own geo tag; the hosts asked about include those of static localtargets-<host> records.
#include <gtest/gtest.h>

#include "userspace/config.h"
#include "userspace/peers/static_gslb_hosts.h"

namespace xgslb {
namespace {

const char* const kConfig = R"(instance: eu
geoTag: eu
zones: [{zone: cloud.example.com}]
dns: {listen: ["10.0.0.2:53"]}
gslb: {zone: cloud.example.com, edgeZone: example.com, edgeServers: [10.0.0.1], geoTags: [eu, us]}
records:
  - {name: App.cloud.example.com., ttl: 7, strategy: {type: failover, primaryGeoTag: us}, targets: {eu: [10.1.0.1], us: [10.2.0.1]}}
  - {name: down.cloud.example.com, strategy: {type: roundRobin}, targets: {us: [10.2.0.2]}}
  - {name: plain.cloud.example.com, a: [10.9.0.1]}
  - {name: localtargets-legacy.cloud.example.com, a: [10.9.0.2]}
)";

TEST(StaticGslbHosts, StrategyRecordsBecomeHostsWithOurTagsTargets) {
    const Config c = parse_config(kConfig, "c.yaml");
    const StaticGslbHosts s = static_gslb_hosts(c);
    ASSERT_EQ(s.hosts.size(), 2u);
    EXPECT_EQ(s.hosts[0].name, "app.cloud.example.com");
    EXPECT_EQ(s.hosts[0].ttl, 7u);
    EXPECT_EQ(s.hosts[0].strategy.type, StrategyType::Failover);
    EXPECT_EQ(s.hosts[0].strategy.primary_geo_tag, "us");
    EXPECT_EQ(s.hosts[0].health, HostHealth::Healthy);
    EXPECT_EQ(s.hosts[0].local.a, (std::vector<Ipv4Address>{{10, 1, 0, 1}}));  // eu's only
    EXPECT_EQ(s.hosts[1].health, HostHealth::Unhealthy);  // nothing under eu
    EXPECT_TRUE(s.hosts[1].local.empty());
    ASSERT_EQ(s.config.records.size(), 2u);  // the strategy records are hosts now
    EXPECT_EQ(s.config.records[0].name, "plain.cloud.example.com");
}

TEST(StaticGslbHosts, HostsToAskPeersAbout) {
    const Config c = parse_config(kConfig, "c.yaml");
    EXPECT_EQ(gslb_hosts_of(c), (std::vector<std::string>{"app.cloud.example.com", "down.cloud.example.com",
                                                          "legacy.cloud.example.com"}));
}

}  // namespace
}  // namespace xgslb
