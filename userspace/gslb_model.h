// The GSLB model: what a cluster knows about each load-balanced host, whatever the source
// (static config records, a manifests directory, the Kubernetes API) and whoever supplied the
// targets (this cluster's controller, or a peer cluster answering localtargets-<host>).
//
//   sources ──► GslbHost (local health and targets) ─┐
//   peers   ──► PeerTargets (other clusters' targets) ┴─► strategies/decide() ──► ZoneView ──► maps
//
// Plain values only: every stage is a pure function of its inputs, so each is unit-tested alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "userspace/ip_address.h"

namespace xgslb {

// k8gb's strategy types (Gslb spec.strategy.type).
enum class StrategyType { RoundRobin, Failover, GeoIp };

// Gslb spec.strategy, or a static record's `strategy:`.
struct StrategySpec {
    StrategyType type = StrategyType::RoundRobin;
    std::map<std::string, uint32_t> weights;  // geo tag -> 0..1000; empty: plain round robin
    std::string primary_geo_tag;              // failover only
    friend bool operator==(const StrategySpec&, const StrategySpec&) = default;
};

// Addresses of one cluster for one host (A and AAAA), deduplicated, in a stable order.
struct TargetSet {
    std::vector<Ipv4Address> a;
    std::vector<Ipv6Address> aaaa;
    bool empty() const { return a.empty() && aaaa.empty(); }
    friend bool operator==(const TargetSet&, const TargetSet&) = default;
};

// k8gb's serviceHealth values.
enum class HostHealth { Healthy, Unhealthy, NotFound };

// One GSLB host as this cluster's controller sees it.
struct GslbHost {
    std::string name;       // FQDN, lowercase, no trailing dot ("roundrobin.cloud.example.com")
    uint32_t ttl = 30;      // dnsTtlSeconds
    StrategySpec strategy;
    HostHealth health = HostHealth::NotFound;
    TargetSet local;        // this cluster's targets; empty unless health == Healthy
    std::string owner;      // "namespace/name" of the Gslb it came from ("" for static records)
    friend bool operator==(const GslbHost&, const GslbHost&) = default;
};

// What one peer cluster (by geo tag) last answered for localtargets-<host>. A peer that answers
// nothing for a host (NXDOMAIN/NODATA) has no healthy targets for it; a peer that stopped
// answering altogether is dropped after the configured time and is absent from the map.
struct PeerTargets {
    std::string geo_tag;
    std::map<std::string, TargetSet> hosts;  // host name (as GslbHost::name) -> targets
    friend bool operator==(const PeerTargets&, const PeerTargets&) = default;
};

// Every cluster's healthy targets for one host: the local ones under our geo tag, and those
// of each reachable peer under theirs. A tag that is absent is unreachable or unknown; a tag
// with an empty set is reachable but has nothing healthy.
using TargetsByGeoTag = std::map<std::string, TargetSet>;

const char* to_string(StrategyType type);  // "roundRobin" | "failover" | "geoip"
const char* to_string(HostHealth health);  // "Healthy" | "Unhealthy" | "NotFound"

}  // namespace xgslb
