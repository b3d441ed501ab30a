// Strategies, k8gb's semantics, in two halves:
//  - decide(): from every cluster's healthy targets for a host to what gets published (which
//    targets, grouped how). Pure C++, done in userspace on every model change.
//  - Selection: what is left to do per query, done identically by the XDP program (bpf/) and the
//    slow path (userspace/dns_answerer), from the published groups.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "userspace/gslb_model.h"

namespace xgslb {

class GeoRegions;  // strategies/geo_regions.h: client prefix -> region

// The per-query part of a strategy.
enum class Selection : uint8_t {
    Fixed,     // every record, in the published order (localtargets-*, records without a strategy)
    Rotate,    // every record; the starting record rotates from query to query (roundRobin, failover)
    Weighted,  // every record; per query a group of weight w comes first with probability w/Σw,
               // the other positive-weight groups follow in published order (wrapping around),
               // weight-0 groups (published last) come last (roundRobin + weight)
    Geo,       // the records of the group whose region matches the client (ECS address, else the
               // source address); every record when no group matches (geoip)
};

// One group of targets: a geo tag's targets (Weighted) or a region's (Geo). Fixed and Rotate
// publish exactly one group.
struct AnswerGroup {
    std::string tag;       // geo tag (Weighted) or region name (Geo)
    uint32_t weight = 0;   // Weighted: 0..1000
    TargetSet targets;
    friend bool operator==(const AnswerGroup&, const AnswerGroup&) = default;
};

struct Decision {
    Selection selection = Selection::Fixed;
    std::vector<AnswerGroup> groups;  // empty groups dropped; no groups at all: no records
    friend bool operator==(const Decision&, const Decision&) = default;
};

// What a host's strategy publishes, given every reachable cluster's healthy targets (ours under
// our own tag). `geo` is needed by geoip (a target's region is its own address looked up in the
// same data, as k8gb does) and may be null otherwise.
Decision decide(const StrategySpec& spec, const TargetsByGeoTag& targets, const GeoRegions* geo);

}  // namespace xgslb
