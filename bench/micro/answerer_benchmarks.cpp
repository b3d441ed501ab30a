// Slow-path answer building: Answerer::answer_into per answer kind, from views of 1k and 100k
// hosts (the hash indexes should make both the same), into a reused buffer as a server worker
// does. No sockets: the io_uring server's cost is in bench/run_slow_path_bench.sh.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

#include <netinet/in.h>

#include "bench/micro/synthetic_zone.h"
#include "userspace/dns_answerer.h"
#include "userspace/zone_view.h"

namespace {

using namespace xgslb;

struct Case {
    const char* label;
    std::string name;
    uint16_t qtype;
    bool edns;
    uint16_t expected_rcode;
};

const Case kCases[] = {
    {"A, 2 records, EDNS", "Host-7.Cloud.example.com", rrtype::A, true, 0},
    {"A, 2 records, no EDNS", "host-7.cloud.example.com", rrtype::A, false, 0},
    {"AAAA, 1 record, EDNS", "host-7.cloud.example.com", rrtype::AAAA, true, 0},
    {"NODATA (TXT), EDNS", "host-7.cloud.example.com", rrtype::TXT, true, 0},
    {"NXDOMAIN, EDNS", "no-such-host.cloud.example.com", rrtype::A, true, 3},
    {"apex SOA, EDNS", "cloud.example.com", rrtype::SOA, true, 0},
    {"REFUSED (other zone), EDNS", "www.example.net", rrtype::A, true, 5},
};

std::shared_ptr<const ZoneView> view_of(size_t hosts) {
    static std::map<size_t, std::shared_ptr<const ZoneView>> views;  // built once per size
    auto& v = views[hosts];
    if (!v) v = ZoneView::build(bench::synthetic_config(hosts));
    return v;
}

void BM_Answer(benchmark::State& state) {
    const Case& c = kCases[state.range(0)];
    const auto view = view_of(static_cast<size_t>(state.range(1)));
    const Answerer answerer{AnswererSettings{}};
    const std::vector<uint8_t> query = bench::make_query(c.name, c.qtype, c.edns);
    QueryContext context;
    auto* sin = reinterpret_cast<sockaddr_in*>(&context.client);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(0x0a4d0001);
    context.now = 1700000000;
    std::vector<uint8_t> response;
    if (!answerer.answer_into(query, context, *view, response) || response.size() < 12 ||
        (response[3] & 0x0f) != c.expected_rcode) {
        state.SkipWithError("unexpected answer: the case no longer measures what its label says");
        return;
    }
    for (auto _ : state) {
        answerer.answer_into(query, context, *view, response);
        benchmark::DoNotOptimize(response.data());
    }
    state.SetLabel(std::string(c.label) + ", " + std::to_string(state.range(1)) + " hosts");
}
BENCHMARK(BM_Answer)->ArgsProduct({benchmark::CreateDenseRange(0, std::size(kCases) - 1, 1), {1000, 100000}});

}  // namespace
