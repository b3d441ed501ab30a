// k8gb's strategies as pure functions of every cluster's healthy targets. The per-query part
// (which record first, which group) is left to Selection; here only what is published.
#include "strategies/strategy.h"

#include <algorithm>

#include "strategies/geo_regions.h"

namespace xgslb {

namespace {

template <typename T>
void append_unique(std::vector<T>& to, const std::vector<T>& from) {
    for (const T& x : from)
        if (std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
}

void append_unique(TargetSet& to, const TargetSet& from) {
    append_unique(to.a, from.a);
    append_unique(to.aaaa, from.aaaa);
}

// An address already published in an earlier group stays there: one record per address.
TargetSet without(const TargetSet& set, const std::vector<AnswerGroup>& earlier) {
    TargetSet out;
    for (const auto& a : set.a) {
        bool seen = false;
        for (const auto& g : earlier) seen = seen || std::find(g.targets.a.begin(), g.targets.a.end(), a) != g.targets.a.end();
        if (!seen) out.a.push_back(a);
    }
    for (const auto& a : set.aaaa) {
        bool seen = false;
        for (const auto& g : earlier)
            seen = seen || std::find(g.targets.aaaa.begin(), g.targets.aaaa.end(), a) != g.targets.aaaa.end();
        if (!seen) out.aaaa.push_back(a);
    }
    return out;
}

Decision one_group(Selection selection, const TargetSet& targets) {
    Decision d{selection, {}};
    if (!targets.empty()) d.groups.push_back({"", 0, targets});
    return d;
}

TargetSet all_of(const TargetsByGeoTag& targets) {
    TargetSet all;
    for (const auto& [tag, set] : targets) append_unique(all, set);
    return all;
}

// k8gb's weighted round robin: one group per geo tag, a tag without a weight weighs 0.
Decision weighted(const StrategySpec& spec, const TargetsByGeoTag& targets) {
    Decision d{Selection::Weighted, {}};
    for (const auto& [tag, set] : targets) {
        const auto w = spec.weights.find(tag);
        TargetSet own = without(set, d.groups);
        if (!own.empty()) d.groups.push_back({tag, w == spec.weights.end() ? 0 : w->second, std::move(own)});
    }
    return d;
}

// k8gb >= 0.14: the primary's targets while it has any healthy (whichever cluster answers),
// else every other cluster's healthy targets.
Decision failover(const StrategySpec& spec, const TargetsByGeoTag& targets) {
    const auto primary = targets.find(spec.primary_geo_tag);
    if (primary != targets.end() && !primary->second.empty()) return one_group(Selection::Rotate, primary->second);
    TargetSet others;
    for (const auto& [tag, set] : targets)
        if (tag != spec.primary_geo_tag) append_unique(others, set);
    return one_group(Selection::Rotate, others);
}

// One group per region, found by looking each target's own address up (as k8gb does); targets
// in no region form a group with no tag, which no client matches but "all" includes.
Decision geoip(const TargetsByGeoTag& targets, const GeoRegions* geo) {
    const TargetSet all = all_of(targets);
    std::map<uint32_t, TargetSet> by_region;
    for (const auto& a : all.a) by_region[geo ? geo->region_of(a) : 0].a.push_back(a);
    for (const auto& a : all.aaaa) by_region[geo ? geo->region_of(a) : 0].aaaa.push_back(a);
    Decision d{Selection::Geo, {}};
    for (auto& [region, set] : by_region) d.groups.push_back({geo ? geo->name(region) : "", 0, std::move(set)});
    return d;
}

}  // namespace

Decision decide(const StrategySpec& spec, const TargetsByGeoTag& targets, const GeoRegions* geo) {
    switch (spec.type) {
    case StrategyType::RoundRobin:
        return spec.weights.empty() ? one_group(Selection::Rotate, all_of(targets)) : weighted(spec, targets);
    case StrategyType::Failover: return failover(spec, targets);
    case StrategyType::GeoIp: return geoip(targets, geo);
    }
    return {};
}

}  // namespace xgslb
