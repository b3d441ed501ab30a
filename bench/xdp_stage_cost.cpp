// Several builds of bpf/xgslb.bpf.c loaded on the maps of one published instance and timed on
// the headline query, interleaved block by block with the empty XDP_PASS program in one process
// on one pinned CPU. Two uses: where the time goes (builds ending after each stage,
// -DXGSLB_PROFILE_STOP_AFTER=N, made by bench/profile_xdp_stages.sh: the difference between
// consecutive rows is a stage's cost), and before/after (an older commit's build beside the
// current one, bench/run_xdp_cost.sh with BASE_REF). Interleaving in one process matters on a
// shared machine: separate runs differ by more than a stage costs.
//
//   sudo build/bench/xdp_stage_cost [--no-edns] [--qname N --qtype T] [--rrl-rate N] OBJECT[=LABEL]...   from the source root
#include <bpf/libbpf.h>
#include <linux/bpf.h>

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

struct Timed {
    std::string label;
    int fd = -1;
    std::unique_ptr<VariantProgram> program;
    std::vector<uint32_t> ns;
};

int run_main(int argc, char** argv) {
    uint64_t rounds = 300, block = 50;
    int cpu = -2;
    uint32_t rrl_rate = 100000000;
    bool edns = true;
    std::string qname = "checkout-eu.cloud.example.com";
    uint16_t qtype = 1;
    std::vector<std::string> objects;
    CLI::App app{"xdp_stage_cost: per-stage cost of the XDP program from builds that stop after each stage"};
    app.add_option("--rounds", rounds);
    app.add_option("--block", block);
    app.add_option("--cpu", cpu, "CPU to pin to (default: the last online one)");
    app.add_option("--rrl-rate", rrl_rate, "RRL responses per second per prefix and CPU (0: off)");
    app.add_flag("!--no-edns", edns, "the query without its OPT record");
    app.add_option("--qname", qname, "another name of bench/fixtures/bench.yaml (default: the headline's)");
    app.add_option("--qtype", qtype, "another type (default 1, A)");
    app.add_option("objects", objects, "BPF objects, each OBJECT or OBJECT=LABEL, in stage order")->required();
    CLI11_PARSE(app, argc, argv);
    cpu = pin_to_cpu(cpu);
    libbpf_set_print(nullptr);

    RrlConfig rrl;
    rrl.responses_per_second = rrl_rate;
    BenchInstance instance("bench/fixtures/bench.yaml", "stage-cost", rrl);
    test::FrameBuilder q;  // the headline query of bench/xdp_query_cost
    q.eth_src({0x02, 0xc1, 0x1e, 0, 0, 1}).eth_dst({0x02, 0x5e, 0x4f, 0, 0, 2}).ipv4("10.77.0.1", "10.77.0.2")
        .udp_ports(40053, 53).id(0x5a17).rd().qname(qname).qtype(qtype);
    if (edns) q.edns(test::Edns{});
    const test::Bytes frame = q.build();

    auto empty = std::unique_ptr<xdp_pass_bpf, void (*)(xdp_pass_bpf*)>(xdp_pass_bpf__open_and_load(), xdp_pass_bpf__destroy);
    if (!empty) throw_errno("loading xdp_pass", errno);
    std::vector<Timed> timed;
    timed.push_back({"empty XDP_PASS program", bpf_program__fd(empty->progs.xdp_pass), nullptr, {}});
    for (const auto& spec : objects) {
        const auto eq = spec.find('=');
        Timed t;
        t.label = eq == std::string::npos ? spec : spec.substr(eq + 1);
        t.program = std::make_unique<VariantProgram>(spec.substr(0, eq), instance.program->maps());
        t.fd = t.program->fd();
        timed.push_back(std::move(t));
    }

    test::Bytes out(4096);
    for (uint64_t round = 0; round < rounds + 10; ++round)
        for (size_t k = 0; k < timed.size(); ++k) {
            Timed& t = timed[(round + k) % timed.size()];
            for (uint64_t i = 0; i < block; ++i) {
                const TimedRun run = timed_test_run(t.fd, frame, out);
                if (run.action != XDP_PASS && run.action != XDP_TX)
                    throw Error(t.label + ": action " + std::to_string(run.action));
                if (round >= 10) t.ns.push_back(run.kernel_ns);
            }
        }

    // Net of the empty program by medians and by means (bench/time_distribution.h: where the
    // kernel's clock moves in coarse steps, only the means resolve a stage of a few ns).
    const Distribution base = Distribution::of(timed.front().ns);
    std::printf("| build | net ns | net ns, mean | difference to the row above, means |\n|---|---:|---:|---:|\n");
    double previous = 0;
    for (size_t i = 1; i < timed.size(); ++i) {
        const Distribution d = Distribution::of(timed[i].ns);
        const double net_mean = d.mean - base.mean;
        std::printf("| %s | %lld | %.1f | %+.1f |\n", timed[i].label.c_str(), static_cast<long long>(d.median - base.median),
                    net_mean, net_mean - previous);
        previous = net_mean;
    }
    std::printf("\nEmpty program %lld ns (mean %.1f); %llu rounds x %llu calls per build, interleaved, CPU %d; RRL %s; "
                "load average %s.\n",
                static_cast<long long>(base.median), base.mean,
                static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(block), cpu,
                rrl_rate ? "on" : "off", load_average().c_str());
    return 0;
}

}  // namespace
}  // namespace xgslb::bench

int main(int argc, char** argv) {
    try {
        return xgslb::bench::run_main(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "xdp_stage_cost: " << e.what() << "\n";
        return 1;
    }
}
