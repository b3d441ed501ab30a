// Name handling on the slow path and in the publisher: presentation -> wire, lowercasing (the
// copy that ZoneView keys take, and the allocation-free NameKey the answerer uses per query),
// the seeded map-key hash the XDP program computes too, and parsing a whole query message.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/micro/synthetic_zone.h"
#include "maps/xgslb_abi.h"
#include "userspace/dns_message.h"
#include "userspace/dns_name.h"
#include "userspace/map_contents.h"
#include "userspace/zone_view.h"

namespace {

using namespace xgslb;

// A 30-octet name as most queries carry, and a 255-octet one, the longest there is; both in
// mixed case, as a resolver with 0x20 randomisation sends them.
const std::string kShort = "CheckOut-EU.cloud.Example.COM.";
const std::string kLongest =
    "aAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
    "cCccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.dDddddddddddddddddddddddddddddddddddddddddd.cloud.example.com.";

const std::string& name_arg(const benchmark::State& state) { return state.range(0) ? kLongest : kShort; }

void BM_NameToWire(benchmark::State& state) {
    const std::string& name = name_arg(state);
    for (auto _ : state) benchmark::DoNotOptimize(name_to_wire(name));
    state.SetLabel(std::to_string(name_to_wire(name).size()) + " octets");
}
BENCHMARK(BM_NameToWire)->Arg(0)->Arg(1);

void BM_LowercaseCopy(benchmark::State& state) {
    const WireName wire = name_to_wire(name_arg(state));
    for (auto _ : state) benchmark::DoNotOptimize(lowercase(wire));
    state.SetLabel(std::to_string(wire.size()) + " octets");
}
BENCHMARK(BM_LowercaseCopy)->Arg(0)->Arg(1);

void BM_NameKey(benchmark::State& state) {
    const WireName wire = name_to_wire(name_arg(state));
    for (auto _ : state) {
        NameKey key(wire);
        benchmark::DoNotOptimize(key.view().data());
    }
    state.SetLabel(std::to_string(wire.size()) + " octets");
}
BENCHMARK(BM_NameKey)->Arg(0)->Arg(1);

void BM_HashWireName(benchmark::State& state) {
    const WireName wire = name_to_wire(name_arg(state));
    const uint64_t seed[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    for (auto _ : state) benchmark::DoNotOptimize(hash_wire_name(wire, seed));
    state.SetLabel(std::to_string(wire.size()) + " octets");
}
BENCHMARK(BM_HashWireName)->Arg(0)->Arg(1);

void BM_ParseQuery(benchmark::State& state) {
    const std::vector<uint8_t> query = bench::make_query(name_arg(state), 1, /*edns=*/true);
    for (auto _ : state) benchmark::DoNotOptimize(dns::parse_query(query));
    state.SetLabel(std::to_string(query.size()) + "-octet query with EDNS");
}
BENCHMARK(BM_ParseQuery)->Arg(0)->Arg(1);

}  // namespace
