// The control plane's cost of a change, for 1k and 100k hosts: building the ZoneView from a
// config, turning it into the exact map entries (build_map_contents), and the Publisher's diff
// against what was published last, with a writer that only counts, so the kernel's map-update
// cost (measured by the integration tests' timings, not here) stays out.
#include <benchmark/benchmark.h>

#include "bench/micro/synthetic_zone.h"
#include "userspace/map_contents.h"
#include "userspace/publisher.h"
#include "userspace/zone_view.h"

namespace {

using namespace xgslb;

const uint64_t kSeed[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};

class CountingWriter final : public MapWriter {
public:
    size_t writes = 0;
    void put_zone(uint32_t, const xgslb_zone&) override { ++writes; }
    void erase_zone(uint32_t) override { ++writes; }
    void put_rrset(const xgslb_rrset_key&, const xgslb_rrset&) override { ++writes; }
    void erase_rrset(const xgslb_rrset_key&) override { ++writes; }
    void put_name(const xgslb_name_key&, const xgslb_name&) override { ++writes; }
    void erase_name(const xgslb_name_key&) override { ++writes; }
    void put_listen(const xgslb_listen_set&) override { ++writes; }
};

void BM_ZoneViewBuild(benchmark::State& state) {
    const Config config = bench::synthetic_config(static_cast<size_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(ZoneView::build(config));
    state.SetItemsProcessed(state.iterations() * state.range(0));  // hosts/s
}
BENCHMARK(BM_ZoneViewBuild)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_BuildMapContents(benchmark::State& state) {
    const auto view = ZoneView::build(bench::synthetic_config(static_cast<size_t>(state.range(0))));
    for (auto _ : state) benchmark::DoNotOptimize(build_map_contents(*view, kSeed));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BuildMapContents)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

// Each iteration publishes the other generation: 1 % of the host sets changed, the rest
// compared and skipped. The write count is checked so a diff that writes everything (or
// nothing) cannot pass for a fast one.
void BM_PublisherDiff(benchmark::State& state) {
    const auto hosts = static_cast<size_t>(state.range(0));
    const MapContents gen[2] = {build_map_contents(*ZoneView::build(bench::synthetic_config(hosts, 0)), kSeed),
                                build_map_contents(*ZoneView::build(bench::synthetic_config(hosts, 1)), kSeed)};
    CountingWriter writer;
    Publisher publisher(writer);
    publisher.publish(gen[0]);
    size_t i = 1;
    for (auto _ : state) benchmark::DoNotOptimize(publisher.publish(gen[i++ & 1]));
    const size_t expected_per_publish = (hosts + 99) / 100;  // one A rrset per changed host
    const size_t first = writer.writes - (i - 1) * expected_per_publish;
    if (first != gen[0].zones.size() + gen[0].rrsets.size() + gen[0].names.size() + 1)
        state.SkipWithError("the diff wrote a different number of entries than changed");
    state.counters["writes/publish"] = static_cast<double>(expected_per_publish);
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PublisherDiff)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

// The whole path of a SIGHUP that changed 1 %: view, contents, diff.
void BM_ViewToMapsChange(benchmark::State& state) {
    const auto hosts = static_cast<size_t>(state.range(0));
    const Config configs[2] = {bench::synthetic_config(hosts, 0), bench::synthetic_config(hosts, 1)};
    CountingWriter writer;
    Publisher publisher(writer);
    publisher.publish(build_map_contents(*ZoneView::build(configs[0]), kSeed));
    size_t i = 1;
    for (auto _ : state) {
        const auto view = ZoneView::build(configs[i++ & 1]);
        benchmark::DoNotOptimize(publisher.publish(build_map_contents(*view, kSeed)));
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ViewToMapsChange)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
