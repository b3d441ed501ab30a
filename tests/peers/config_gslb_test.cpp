// The gslb: section: values, defaults, and every error naming the file, line and field.
#include <gtest/gtest.h>

#include "userspace/config.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

const std::string kBase = R"(instance: eu
geoTag: eu
zones:
  - zone: cloud.example.com
dns:
  listen: ["10.0.0.2:53", "[fd00::2]:53", "0.0.0.0:5353"]
  tsigKeys: [{name: edge-key, algorithm: hmac-sha256, secret: c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==}]
)";

Config parse(const std::string& gslb, const std::string& base = kBase) { return parse_config(base + gslb, "c.yaml"); }

std::string error_of(const std::string& gslb, const std::string& base = kBase) {
    try {
        parse(gslb, base);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(ConfigGslb, FullSection) {
    const Config c = parse(R"(gslb:
  zone: cloud.example.com
  edgeZone: example.com
  edgeServers: ["10.0.0.1:53", "10.0.0.9:5353"]
  geoTags: [eu, us]
  peerPollIntervalMs: 500
  peerTimeoutMs: 200
  peerDropAfterMs: 3000
  edgeUpdate: {tsigKey: edge-key, nsAddresses: ["10.0.0.7", "fd00::7"], ttl: 60}
)");
    ASSERT_TRUE(c.gslb);
    EXPECT_EQ(c.gslb->zone, "cloud.example.com");
    EXPECT_EQ(c.gslb->edge_zone, "example.com");
    ASSERT_EQ(c.gslb->edge_servers.size(), 2u);
    EXPECT_EQ(c.gslb->edge_servers[1].to_string(), "10.0.0.9:5353");
    EXPECT_EQ(c.gslb->geo_tags, (std::vector<std::string>{"eu", "us"}));
    EXPECT_EQ(c.gslb->peer_poll_interval_ms, 500u);
    EXPECT_EQ(c.gslb->peer_timeout_ms, 200u);
    EXPECT_EQ(c.gslb->peer_drop_after_ms, 3000u);
    ASSERT_TRUE(c.gslb->edge_update);
    EXPECT_EQ(c.gslb->edge_update->tsig_key, "edge-key.");
    EXPECT_EQ(c.gslb->edge_update->ttl, 60u);
    ASSERT_EQ(c.gslb->edge_update->ns_addresses.size(), 2u);
    EXPECT_EQ(c.gslb->edge_update->ns_addresses[1].to_string(), "[fd00::7]:53");
}

TEST(ConfigGslb, DefaultsAndTheZoneNsSet) {
    const Config c = parse(R"(gslb:
  zone: cloud.example.com
  edgeZone: example.com
  edgeServers: ["10.0.0.1"]
  geoTags: [us, eu]
  edgeUpdate: {tsigKey: edge-key}
)");
    EXPECT_EQ(c.gslb->peer_poll_interval_ms, 1000u);
    EXPECT_EQ(c.gslb->peer_timeout_ms, 300u);
    EXPECT_EQ(c.gslb->peer_drop_after_ms, 5000u);
    EXPECT_EQ(c.gslb->edge_update->ttl, 30u);
    // Glue defaults to the specific listen addresses; the wildcard one is left out.
    ASSERT_EQ(c.gslb->edge_update->ns_addresses.size(), 2u);
    EXPECT_EQ(c.gslb->edge_update->ns_addresses[0].to_string(), "10.0.0.2:53");
    EXPECT_EQ(c.gslb->edge_update->ns_addresses[1].to_string(), "[fd00::2]:53");
    // The zone's own apex NS set is every cluster's NS name, as the edge delegates it.
    EXPECT_EQ(c.zones[0].ns,
              (std::vector<std::string>{"gslb-ns-eu-cloud.example.com", "gslb-ns-us-cloud.example.com"}));
    EXPECT_FALSE(c.zones[0].default_ns);
    EXPECT_EQ(c.zones[0].soa.mname, "gslb-ns-eu-cloud.example.com");
}

TEST(ConfigGslb, ExplicitZoneNsIsKept) {
    const std::string base = R"(instance: eu
geoTag: eu
zones:
  - zone: cloud.example.com
    ns: [ns.elsewhere.net]
dns:
  listen: ["10.0.0.2:53"]
)";
    const Config c = parse("gslb: {zone: cloud.example.com, edgeZone: example.com, edgeServers: [10.0.0.1], "
                           "geoTags: [eu]}\n", base);
    EXPECT_EQ(c.zones[0].ns, std::vector<std::string>{"ns.elsewhere.net"});
    EXPECT_FALSE(c.gslb->edge_update);
}

TEST(ConfigGslb, Errors) {
    const std::string ok = "gslb:\n  zone: cloud.example.com\n  edgeZone: example.com\n  edgeServers: [10.0.0.1]\n";
    EXPECT_EQ(error_of(ok + "  geoTags: [eu]\n  edgeUpdate: {tsigKey: other}\n"),
              "c.yaml:13: gslb.edgeUpdate.tsigKey: 'other' is not a key in dns.tsigKeys");
    EXPECT_EQ(error_of(ok + "  geoTags: [us]\n"), "c.yaml:12: gslb.geoTags: does not list this cluster's geoTag 'eu'");
    EXPECT_EQ(error_of(ok + "  geoTags: [eu, eu]\n"), "c.yaml:12: gslb.geoTags[1]: 'eu' is listed twice");
    EXPECT_EQ(error_of(ok + "  geoTags: [eu, US]\n"), "c.yaml:12: gslb.geoTags[1]: 'US' must be 1-32 of [a-z0-9-]");
    EXPECT_EQ(error_of(ok + "  geoTags: [eu]\n  pollMs: 5\n"),
              "c.yaml:13: gslb.pollMs: unknown key (expected one of: zone, edgeZone, edgeServers, geoTags, "
              "peerPollIntervalMs, peerTimeoutMs, peerDropAfterMs, edgeUpdate)");
    EXPECT_EQ(error_of(ok + "  geoTags: [eu]\n  peerPollIntervalMs: 1000\n  peerDropAfterMs: 1500\n"),
              "c.yaml:9: gslb: peerDropAfterMs (1500) must be at least twice peerPollIntervalMs (1000)");
    EXPECT_EQ(error_of("gslb: {zone: other.example.com, edgeZone: example.com, edgeServers: [10.0.0.1], geoTags: [eu]}\n"),
              "c.yaml:8: gslb.zone: 'other.example.com' is not one of zones[]");
    EXPECT_EQ(error_of("gslb: {zone: cloud.example.com, edgeZone: example.org, edgeServers: [10.0.0.1], geoTags: [eu]}\n"),
              "c.yaml:8: gslb.zone: 'cloud.example.com' is not below edgeZone 'example.org'");
    EXPECT_EQ(error_of("gslb: {zone: cloud.example.com, edgeZone: cloud.example.com, edgeServers: [10.0.0.1], "
                       "geoTags: [eu]}\n"),
              "c.yaml:8: gslb.zone: 'cloud.example.com' is not below edgeZone 'cloud.example.com'");
    EXPECT_EQ(error_of("gslb: {zone: cloud.example.com, edgeZone: example.com, geoTags: [eu]}\n"),
              "c.yaml:8: gslb: missing key 'edgeServers'");
    EXPECT_EQ(error_of(ok + "  geoTags: [eu]\n  edgeUpdate: {tsigKey: edge-key, nsAddresses: ['0.0.0.0']}\n"),
              "c.yaml:13: gslb.edgeUpdate.nsAddresses[0]: '0.0.0.0:53' is a wildcard; glue needs a real address");
    std::string no_tag = kBase;
    no_tag.erase(no_tag.find("geoTag: eu\n"), 11);
    EXPECT_EQ(error_of(ok + "  geoTags: [eu]\n", no_tag), "c.yaml:8: gslb: needs the top-level geoTag (this cluster's tag)");
}

TEST(ConfigGslb, GlueNeedsASpecificAddress) {
    const std::string base = R"(instance: eu
geoTag: eu
zones: [{zone: cloud.example.com}]
dns:
  listen: ["0.0.0.0:53"]
  tsigKeys: [{name: k, algorithm: hmac-sha256, secret: c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==}]
)";
    EXPECT_EQ(error_of("gslb: {zone: cloud.example.com, edgeZone: example.com, edgeServers: [10.0.0.1], geoTags: [eu], "
                       "edgeUpdate: {tsigKey: k}}\n", base),
              "c.yaml:7: gslb.edgeUpdate: no nsAddresses, and dns.listen has no specific address to publish as glue; "
              "list them");
}

}  // namespace
}  // namespace xgslb
