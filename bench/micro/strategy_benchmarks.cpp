// Strategy decisions (strategies/strategy.h decide()): the userspace half of every strategy, run
// for each host on every model change, for 3 clusters (geo tags) of 4 targets each: plain and
// weighted roundRobin, failover with its primary up and down, geoip over CIDR regions. Also
// GeoRegions::lookup, which the slow path does per geoip query.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>

#include "strategies/geo_regions.h"
#include "strategies/ip_prefix.h"
#include "strategies/strategy.h"

namespace {

using namespace xgslb;

const char* const kTags[] = {"eu", "us", "asia"};

TargetsByGeoTag three_clusters(bool eu_up = true) {
    TargetsByGeoTag targets;
    for (uint8_t t = 0; t < 3; ++t) {
        TargetSet set;
        if (t == 0 && !eu_up) {
            targets[kTags[t]] = set;  // reachable, nothing healthy
            continue;
        }
        for (uint8_t i = 1; i <= 4; ++i) set.a.push_back(Ipv4Address{10, uint8_t(t + 1), 0, i});
        targets[kTags[t]] = set;
    }
    return targets;
}

// One region per cluster, matching its targets' addresses (k8gb: a target's region is its own).
GeoRegions three_regions() {
    return GeoRegions::from_cidrs({{"eu", {parse_ip_prefix("10.1.0.0/16"), parse_ip_prefix("192.0.2.0/24")}},
                                   {"us", {parse_ip_prefix("10.2.0.0/16"), parse_ip_prefix("198.51.100.0/24")}},
                                   {"asia", {parse_ip_prefix("10.3.0.0/16"), parse_ip_prefix("203.0.113.0/24")}}});
}

void run(benchmark::State& state, const StrategySpec& spec, const TargetsByGeoTag& targets, const GeoRegions* geo,
         Selection expected) {
    const Decision first = decide(spec, targets, geo);
    if (first.selection != expected || first.groups.empty()) {
        state.SkipWithError("decide() no longer gives the selection this case is about");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(decide(spec, targets, geo));
}

void BM_DecideRoundRobin(benchmark::State& state) {
    run(state, StrategySpec{StrategyType::RoundRobin, {}, ""}, three_clusters(), nullptr, Selection::Rotate);
}
BENCHMARK(BM_DecideRoundRobin);

void BM_DecideRoundRobinWeighted(benchmark::State& state) {
    run(state, StrategySpec{StrategyType::RoundRobin, {{"eu", 500}, {"us", 300}, {"asia", 200}}, ""}, three_clusters(),
        nullptr, Selection::Weighted);
}
BENCHMARK(BM_DecideRoundRobinWeighted);

void BM_DecideFailoverPrimaryUp(benchmark::State& state) {
    run(state, StrategySpec{StrategyType::Failover, {}, "eu"}, three_clusters(true), nullptr, Selection::Rotate);
}
BENCHMARK(BM_DecideFailoverPrimaryUp);

void BM_DecideFailoverPrimaryDown(benchmark::State& state) {
    run(state, StrategySpec{StrategyType::Failover, {}, "eu"}, three_clusters(false), nullptr, Selection::Rotate);
}
BENCHMARK(BM_DecideFailoverPrimaryDown);

void BM_DecideGeoIp(benchmark::State& state) {
    const GeoRegions geo = three_regions();
    run(state, StrategySpec{StrategyType::GeoIp, {}, ""}, three_clusters(), &geo, Selection::Geo);
}
BENCHMARK(BM_DecideGeoIp);

void BM_GeoRegionsLookup(benchmark::State& state) {
    const GeoRegions geo = three_regions();
    in_addr client{};
    inet_pton(AF_INET, "198.51.100.77", &client);
    const auto* addr = reinterpret_cast<const uint8_t*>(&client.s_addr);
    if (geo.lookup(AF_INET, addr, 32).region != geo.id("us")) {
        state.SkipWithError("the client address is not in the region this case expects");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(geo.lookup(AF_INET, addr, 32));
}
BENCHMARK(BM_GeoRegionsLookup);

}  // namespace
