// What response rate limiting costs per query under BPF_PROG_TEST_RUN: the headline query of
// bench/xdp_query_cost (A, 4 records, 31-octet name, EDNS) through four instances of the xgslb
// program, interleaved block by block in one run on one pinned CPU: RRL off, RRL on and within
// the limit (the common case), over the limit and dropped, over the limit and slipped (TC=1).
// The empty XDP_PASS program runs in the same rounds; "net" subtracts its median (the last column
// compares means: bench/time_distribution.h). Every call's action is checked (a benchmark of the
// wrong path would be meaningless).
//
//   sudo build/bench/rrl_cost [--rounds N] [--block N] [--cpu N]     from the source root
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/time_distribution.h"
#include "bench/xdp_bench_instance.h"
#include "bench/xdp_test_run_timer.h"
#include "tests/bpf/frame_builder.h"
#include "userspace/error.h"
#include "xdp_pass.skel.h"

namespace xgslb::bench {
namespace {

struct Variant {
    std::string name;
    uint32_t per_second, slip, action;
    std::unique_ptr<BenchInstance> instance;
    int fd = -1;
    std::vector<uint32_t> ns;
};

int run_main(int argc, char** argv) {
    uint64_t rounds = 300, block = 100;
    int cpu = -2;
    CLI::App app{"rrl_cost: per-query cost of response rate limiting in the XDP program"};
    app.add_option("--rounds", rounds);
    app.add_option("--block", block);
    app.add_option("--cpu", cpu, "CPU to pin to: the buckets are per CPU (default: the last online one)");
    CLI11_PARSE(app, argc, argv);
    cpu = pin_to_cpu(cpu);
    libbpf_set_print(nullptr);

    test::FrameBuilder q;
    q.eth_src({0x02, 0xc1, 0x1e, 0, 0, 1}).eth_dst({0x02, 0x5e, 0x4f, 0, 0, 2}).ipv4("10.77.0.1", "10.77.0.2")
        .udp_ports(40053, 53).id(0x5a17).rd().qname("checkout-eu.cloud.example.com").qtype(1).edns(test::Edns{});
    const test::Bytes frame = q.build();

    std::vector<Variant> variants;
    variants.push_back({"rrl off", 0, 2, XDP_TX, nullptr, -1, {}});
    variants.push_back({"rrl on, within the limit", 1000000, 2, XDP_TX, nullptr, -1, {}});
    variants.push_back({"rrl on, over: dropped", 1, 0, XDP_DROP, nullptr, -1, {}});
    variants.push_back({"rrl on, over: slipped", 1, 1, XDP_TX, nullptr, -1, {}});
    int serial = 0;
    for (auto& v : variants) {
        RrlConfig rrl;
        rrl.responses_per_second = v.per_second;
        rrl.slip = v.slip;
        v.instance = std::make_unique<BenchInstance>("bench/fixtures/bench.yaml", "rrl-cost-" + std::to_string(serial++), rrl);
        v.fd = v.instance->program->prog_fd();
    }
    auto empty = std::unique_ptr<xdp_pass_bpf, void (*)(xdp_pass_bpf*)>(xdp_pass_bpf__open_and_load(), xdp_pass_bpf__destroy);
    if (!empty) throw_errno("loading xdp_pass", errno);
    variants.push_back({"empty XDP_PASS program", 0, 0, XDP_PASS, nullptr, bpf_program__fd(empty->progs.xdp_pass), {}});

    test::Bytes out(4096);
    // The over-limit instances spend their one token first.
    for (auto& v : variants) timed_test_run(v.fd, frame, out);
    for (uint64_t round = 0; round < rounds + 10; ++round)
        for (size_t k = 0; k < variants.size(); ++k) {
            Variant& v = variants[(round + k) % variants.size()];
            for (uint64_t i = 0; i < block; ++i) {
                const TimedRun run = timed_test_run(v.fd, frame, out);
                if (run.action != v.action) throw Error(v.name + ": action " + std::to_string(run.action));
                if (round >= 10) v.ns.push_back(run.kernel_ns);
            }
        }
    const Distribution base = Distribution::of(variants.back().ns);
    const Distribution off = Distribution::of(variants.front().ns);
    std::printf("%-28s %10s %10s %14s %12s\n", "variant", "median ns", "net ns", "vs rrl off", "mean vs off");
    for (const auto& v : variants) {
        const Distribution d = Distribution::of(v.ns);
        std::printf("%-28s %10lld %10lld %+14lld %+12.1f\n", v.name.c_str(), static_cast<long long>(d.median),
                    static_cast<long long>(d.median - base.median), static_cast<long long>(d.median - off.median),
                    d.mean - off.mean);
    }
    std::printf("(%llu rounds x %llu calls per variant, CPU %d; load average: %s)\n",
                static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(block), cpu,
                load_average().c_str());
    return 0;
}

}  // namespace
}  // namespace xgslb::bench

int main(int argc, char** argv) {
    try {
        return xgslb::bench::run_main(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "rrl_cost: " << e.what() << "\n";
        return 1;
    }
}
