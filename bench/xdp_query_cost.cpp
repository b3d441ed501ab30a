// Per-query cost of the xgslb XDP program under BPF_PROG_TEST_RUN, net of the fixed cost of a
// test-run call (an empty XDP_PASS program), beside the cheapest XDP_TX there is (a MAC swap):
// the "Benchmark" paragraph of issue 2, shaped to grow into issue 8's per-query table.
//
// Method. Every call is BPF_PROG_TEST_RUN with repeat = 1 on the untouched query frame: the
// kernel copies data_in into a fresh buffer per call, and xgslb rewrites that buffer in place, so
// repeat > 1 would time the program answering its own response (which it passes: QR=1). The
// time is the kernel's `duration` of that one run (the bpf() syscall, the copies in and out
// are outside it); the wall-clock time of the whole call is kept for reference. Programs and
// cases are interleaved in small blocks, the program order rotating every round, so a noisy
// neighbour hits all of them alike; the empty program is measured on the same frame in the
// same rounds and its median is what "net" subtracts. Every xgslb call must come back XDP_TX
// with the expected answer, and the counters must agree at the end, or the run fails.
//
// Why not Google Benchmark: it runs one benchmark to completion before the next and reports
// means of its own timer, while this needs three programs interleaved call by call and the
// distribution of the kernel-reported per-run time. A plain loop is both simpler and more honest.
//
//   xdp_query_cost [--rounds N] [--block N] [--cpu N] [--json FILE]   measure (root)
//   xdp_query_cost --spread run1.json run2.json ...                    spread across runs
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "bench/xdp_bench_instance.h"
#include "bench/xdp_cost_report.h"
#include "bench/xdp_test_run_timer.h"
#include "maps/pinned_maps.h"
#include "tests/bpf/dns_frame_decoder.h"
#include "tests/bpf/frame_builder.h"
#include "tests/bpf/xdp_test_run.h"
#include "userspace/error.h"
#include "xdp_pass.skel.h"
#include "xdp_reflect.skel.h"

namespace xgslb::bench {
namespace {

using test::Bytes;
using test::Edns;
using test::FrameBuilder;

constexpr uint16_t kTypeA = 1, kTypeSoa = 6, kTypeAaaa = 28;

// ---- the cases --------------------------------------------------------------------------------

enum class Kind { a, aaaa, nodata, nxdomain };

struct BenchCase {
    std::string id;
    std::string description;
    FrameBuilder query;
    Kind kind;
    uint16_t ancount;  // expected answers
    bool headline = false;
};

const std::string kName = "checkout-eu.cloud.example.com";  // 31 octets in wire form, 4 A, 4 AAAA
const std::string kName1 = "checkout-01.cloud.example.com";  // 1 A, no AAAA
const std::string kName16 = "checkout-16.cloud.example.com"; // 16 A
const std::string kMissing = "checkout-xx.cloud.example.com";

std::string long_name(char last) {  // 255 octets: labels of 63, 63, 63, 43 under the zone
    return std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
           std::string(43, last) + ".cloud.example.com";
}

FrameBuilder query(const std::string& name, uint16_t type, bool edns, bool ipv6 = false) {
    FrameBuilder b;
    b.eth_src({0x02, 0xc1, 0x1e, 0, 0, 1}).eth_dst({0x02, 0x5e, 0x4f, 0, 0, 2});
    if (ipv6)
        b.ipv6("fd77::1", "fd77::2");  // the fixture's dns.listen
    else
        b.ipv4("10.77.0.1", "10.77.0.2");
    b.udp_ports(40053, 53).id(0x5a17).rd().qname(name).qtype(type);
    if (edns) b.edns(Edns{});
    return b;
}

// The table: kind and answer count are what every call is checked against.
std::vector<BenchCase> bench_cases() {
    std::vector<BenchCase> cases;
    auto both = [&](const std::string& id, const std::string& what, const std::string& name, uint16_t type, Kind kind,
                    uint16_t ancount) {
        cases.push_back({id + "_edns", what + ", EDNS", query(name, type, true), kind, ancount});
        cases.push_back({id, what + ", no EDNS", query(name, type, false), kind, ancount});
    };
    both("a4", "A, 4 records, 31-octet name", kName, kTypeA, Kind::a, 4);
    cases.front().headline = true;
    both("a1", "A, 1 record", kName1, kTypeA, Kind::a, 1);
    both("a16", "A, 16 records", kName16, kTypeA, Kind::a, 16);
    both("aaaa4", "AAAA, 4 records", kName, kTypeAaaa, Kind::aaaa, 4);
    both("nodata", "NODATA (AAAA of an A-only name)", kName1, kTypeAaaa, Kind::nodata, 0);
    both("nxdomain", "NXDOMAIN, 31-octet name", kMissing, kTypeA, Kind::nxdomain, 0);
    both("a4_long", "A, 4 records, 255-octet name", long_name('d'), kTypeA, Kind::a, 4);
    cases.push_back({"nxdomain_long_edns", "NXDOMAIN, 255-octet name (4 suffix probes), EDNS",
                     query(long_name('e'), kTypeA, true), Kind::nxdomain, 0});
    cases.push_back({"a4_edns_ipv6", "A, 4 records, EDNS, over IPv6", query(kName, kTypeA, true, true), Kind::a, 4});
    // Strategies (issue 5), next to plain round robin; the same 31-octet names, 4 targets each.
    both("rr4", "A, 4 records, roundRobin (rotated)", "checkout-rr.cloud.example.com", kTypeA, Kind::a, 4);
    both("wrr4", "A, 4 records, weighted eu 1 / us 4", "checkout-wr.cloud.example.com", kTypeA, Kind::a, 4);
    both("geo4_src", "A, geoip by source, no region (all 4)", "checkout-ge.cloud.example.com", kTypeA, Kind::a, 4);
    cases.push_back({"geo2_ecs", "A, geoip by ECS 192.200.1.0/24 (2 of 4), EDNS",
                     query("checkout-ge.cloud.example.com", kTypeA, false)
                         .edns(Edns{}.with_options({0, 8, 0, 7, 0, 1, 24, 0, 192, 200, 1})),
                     Kind::a, 2});
    return cases;
}

// ---- the programs -----------------------------------------------------------------------------

template <typename Skel>
using SkelPtr = std::unique_ptr<Skel, void (*)(Skel*)>;

template <typename Skel>
SkelPtr<Skel> load_skeleton(Skel* (*open_and_load)(), void (*destroy)(Skel*), const char* what) {
    Skel* skel = open_and_load();
    if (!skel) throw_errno(std::string("loading ") + what, errno);
    return SkelPtr<Skel>(skel, destroy);
}

struct Program {
    std::string name;
    int fd;
    uint32_t action;  // what every call must return
};

ProgramSize program_size(const Program& p) {
    bpf_prog_info info{};
    __u32 len = sizeof info;
    if (int err = bpf_obj_get_info_by_fd(p.fd, &info, &len)) throw_errno("reading the info of " + p.name, -err);
    return ProgramSize{p.name, info.xlated_prog_len, info.jited_prog_len};
}

// ---- checking what xgslb answered ---------------------------------------------------------------

[[noreturn]] void fail(const BenchCase& c, const std::string& why) {
    throw Error("case " + c.id + " (" + c.description + "): " + why +
                " — a benchmark of a program that does not answer would be meaningless");
}

size_t dns_offset(const BenchCase& c) { return 14 + (c.query.ip_version() == 6 ? 40 : 20) + 8; }

// Full check of one response, outside the timed loop; returns it as the reference every timed
// call is compared with (same size, same DNS header after the ID).
Bytes verified_response(const BenchCase& c, int xgslb_fd) {
    const Bytes frame = c.query.build();
    const test::XdpRunResult got = test::run_xdp(xgslb_fd, frame);
    if (got.action != XDP_TX) fail(c, "xgslb returned " + test::xdp_action_name(got.action) + ", not XDP_TX");
    const test::DecodeResult r = test::decode_dns_frame(got.output);
    std::string errors;
    for (const auto& e : r.errors) errors += "\n  " + e;
    if (!r.ok()) fail(c, "response does not decode:" + errors);
    const auto& d = r.frame.dns;
    const bool negative = c.kind == Kind::nodata || c.kind == Kind::nxdomain;
    const uint8_t rcode = c.kind == Kind::nxdomain ? 3 : 0;
    const uint16_t arcount = c.query.edns_record() ? 1 : 0;
    if (!d.qr || !d.aa || d.rcode != rcode || d.ancount != c.ancount || d.nscount != (negative ? 1 : 0) ||
        d.arcount != arcount)
        fail(c, "header: rcode " + std::to_string(d.rcode) + ", counts " + std::to_string(d.ancount) + "/" +
                    std::to_string(d.nscount) + "/" + std::to_string(d.arcount) + "; expected rcode " +
                    std::to_string(rcode) + ", " + std::to_string(c.ancount) + "/" + std::to_string(negative) + "/" +
                    std::to_string(arcount));
    if (r.frame.question != c.query.question_bytes()) fail(c, "question not echoed exactly");
    const uint16_t type = c.kind == Kind::aaaa ? kTypeAaaa : kTypeA;
    for (const auto& rr : r.frame.answer)
        if (rr.type != type) fail(c, "answer of type " + std::to_string(rr.type));
    if (negative && r.frame.authority.front().type != kTypeSoa) fail(c, "authority is not the SOA");
    return got.output;
}

void check_call(const BenchCase& c, const TimedRun& call, const Bytes& out, const Bytes& reference) {
    const size_t dns = dns_offset(c);
    if (call.action != XDP_TX) fail(c, "a timed call returned " + test::xdp_action_name(call.action));
    if (call.out_size != reference.size() ||
        std::memcmp(out.data() + dns + 2, reference.data() + dns + 2, 10) != 0)
        fail(c, "a timed call's response differs from the verified one");
}

// Every xgslb call of the run must have been counted as the answer of its kind, nothing else.
// strategy_* break answered_a/aaaa down by selection: not verdicts of their own, not checked.
void check_counters(const xgslb_stats& before, const xgslb_stats& after, const xgslb_stats& expected) {
    std::string diff;
#define XGSLB_BENCH_CHECK(name)                                                                     \
    if (after.name - before.name != expected.name && std::string_view(#name).rfind("strategy_", 0) != 0) \
        diff += std::string("\n  " #name ": +") + std::to_string(after.name - before.name) + ", expected +" + \
                std::to_string(expected.name);
    XGSLB_COUNTERS(XGSLB_BENCH_CHECK)
#undef XGSLB_BENCH_CHECK
    if (!diff.empty()) throw Error("xgslb counters disagree with the calls made:" + diff);
}

void count_answer(xgslb_stats& s, Kind kind, uint64_t n) {
    s.packets_seen += n;
    switch (kind) {
        case Kind::a: s.answered_a += n; break;
        case Kind::aaaa: s.answered_aaaa += n; break;
        case Kind::nodata: s.answered_nodata += n; break;
        case Kind::nxdomain: s.answered_nxdomain += n; break;
    }
}

// ---- the run --------------------------------------------------------------------------------------

struct Options {
    std::string fixture = "bench/fixtures/bench.yaml";
    uint64_t rounds = 500, block = 100, warmup_rounds = 20;
    int cpu = -2;  // -2: the last online CPU; -1: do not pin
    std::string json;
    std::vector<std::string> spread;
    std::vector<std::string> only;  // case ids; empty: all
    // Per prefix and CPU; 0: off. The default config has RRL on; the rate is raised so that
    // every timed call stays within the limit, the common case (over the limit: bench/rrl_cost).
    uint32_t rrl_rate = 100000000;
    std::string object;             // profiling: measure this build of xgslb.bpf.c instead
    std::string expect = "tx";      // what --object's program returns (a stage variant may pass)
};

uint32_t action_named(const std::string& name) {
    if (name == "tx") return XDP_TX;
    if (name == "pass") return XDP_PASS;
    if (name == "drop") return XDP_DROP;
    throw Error("--expect: tx, pass or drop, not " + name);
}

Machine describe_machine(int pinned_cpu, const std::string& command) {
    Machine m;
    utsname u{};
    if (uname(&u) == 0) m.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);)
        if (line.rfind("model name", 0) == 0) {
            m.cpu = line.substr(line.find(':') + 2);
            break;
        }
    m.cpu += " (" + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " online CPUs)";
    char date[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    m.date = date;
    m.command = command;
    m.pinned_cpu = pinned_cpu;
    return m;
}

RunResult measure(const Options& o, const std::string& command) {
    const int cpu = pin_to_cpu(o.cpu);
    libbpf_set_print(nullptr);  // the skeletons load cleanly; errors reach us as errno
    RrlConfig rrl;
    rrl.responses_per_second = o.rrl_rate;
    BenchInstance xgslb(o.fixture, "bench", rrl);
    std::unique_ptr<VariantProgram> variant;
    if (!o.object.empty()) variant = std::make_unique<VariantProgram>(o.object, xgslb.program->maps());
    const uint32_t xgslb_action = variant ? action_named(o.expect) : static_cast<uint32_t>(XDP_TX);
    const bool check_answers = xgslb_action == XDP_TX;  // a variant that passes has no answer to check
    auto empty = load_skeleton(xdp_pass_bpf__open_and_load, xdp_pass_bpf__destroy, "xdp_pass");
    auto reflect = load_skeleton(xdp_reflect_bpf__open_and_load, xdp_reflect_bpf__destroy, "xdp_reflect");
    const Program programs[3] = {{"xdp_pass", bpf_program__fd(empty->progs.xdp_pass), XDP_PASS},
                                 {"xdp_reflect", bpf_program__fd(reflect->progs.xdp_reflect), XDP_TX},
                                 {"xgslb", variant ? variant->fd() : xgslb.program->prog_fd(), xgslb_action}};
    constexpr size_t kXgslb = 2;

    std::vector<BenchCase> cases = bench_cases();
    if (!o.only.empty()) {
        std::erase_if(cases, [&](const BenchCase& c) { return std::find(o.only.begin(), o.only.end(), c.id) == o.only.end(); });
        if (cases.empty()) throw Error("--case matches no case");
    }
    std::vector<Bytes> frames, references;
    for (const auto& c : cases) {
        frames.push_back(c.query.build());
        references.push_back(check_answers ? verified_response(c, programs[kXgslb].fd) : Bytes{});
    }

    // samples[case][program]
    std::vector<std::array<std::vector<uint32_t>, 3>> kernel(cases.size()), wall(cases.size());
    for (auto& per_case : kernel)
        for (auto& v : per_case) v.reserve(o.rounds * o.block);
    for (auto& per_case : wall)
        for (auto& v : per_case) v.reserve(o.rounds * o.block);

    const xgslb_stats before_timed = read_stats(xgslb.program->maps().stats);
    xgslb_stats expected{};  // what the timed calls must add

    Bytes out(4096);
    for (uint64_t round = 0; round < o.warmup_rounds + o.rounds; ++round) {
        const bool keep = round >= o.warmup_rounds;
        for (size_t ci = 0; ci < cases.size(); ++ci) {
            for (size_t k = 0; k < 3; ++k) {
                const size_t pi = (round + ci + k) % 3;  // every program goes first, second, third in turn
                const Program& p = programs[pi];
                for (uint64_t i = 0; i < o.block; ++i) {
                    const TimedRun call = timed_test_run(p.fd, frames[ci], out);
                    if (pi == kXgslb && check_answers)
                        check_call(cases[ci], call, out, references[ci]);
                    else if (call.action != p.action)
                        fail(cases[ci], p.name + " returned " + test::xdp_action_name(call.action));
                    if (keep) {
                        kernel[ci][pi].push_back(call.kernel_ns);
                        wall[ci][pi].push_back(call.wall_ns);
                    }
                }
                if (pi == kXgslb) count_answer(expected, cases[ci].kind, o.block);
            }
        }
    }
    // Every answer was checked call by call; the counters too, unless the variant (an older build
    // with fewer counters) keeps its own.
    if (check_answers && (!variant || variant->shares_stats()))
        check_counters(before_timed, read_stats(xgslb.program->maps().stats), expected);

    RunResult run;
    run.machine = describe_machine(cpu, command);
    run.rrl = o.rrl_rate ? "on (" + std::to_string(o.rrl_rate) + "/s per prefix and CPU: every call within the limit)" : "off";
    if (variant) run.rrl += "; program: " + o.object + " (a profiling variant)";
    for (const auto& p : programs) run.programs.push_back(program_size(p));
    run.rounds = o.rounds;
    run.block = o.block;
    std::vector<uint32_t> pooled;
    for (size_t ci = 0; ci < cases.size(); ++ci) {
        CaseResult r;
        r.id = cases[ci].id;
        r.description = cases[ci].description;
        r.headline = cases[ci].headline;
        r.frame_octets = frames[ci].size();
        r.response_octets = references[ci].size();
        ProgramTimes* times[3] = {&r.empty, &r.reflect, &r.xgslb};
        for (size_t pi = 0; pi < 3; ++pi)
            *times[pi] = ProgramTimes{Distribution::of(kernel[ci][pi]), Distribution::of(wall[ci][pi]),
                                      kernel[ci][pi].size()};
        pooled.insert(pooled.end(), kernel[ci][0].begin(), kernel[ci][0].end());
        run.cases.push_back(std::move(r));
    }
    run.empty_pooled = Distribution::of(std::move(pooled));
    return run;
}

int run_main(int argc, char** argv) {
    Options o;
    CLI::App app{"xdp_query_cost: per-query cost of the xgslb XDP program under BPF_PROG_TEST_RUN"};
    app.add_option("--fixture", o.fixture, "records to publish (relative to the working directory)");
    app.add_option("--rounds", o.rounds, "rounds; each runs every program on every case --block times");
    app.add_option("--block", o.block, "calls in a row of one program on one case");
    app.add_option("--warmup", o.warmup_rounds, "rounds run first and not counted");
    app.add_option("--cpu", o.cpu, "CPU to pin to (-1: do not pin; default: the last online CPU)");
    app.add_option("--case", o.only, "run only these cases (ids as in the JSON), e.g. to profile one with perf");
    app.add_option("--rrl-rate", o.rrl_rate, "RRL responses per second per prefix and CPU (0: RRL off)");
    app.add_option("--object", o.object, "profiling: a variant build of xgslb.bpf.c to measure on the same maps");
    app.add_option("--expect", o.expect, "with --object: the action its program returns (tx, pass, drop)");
    app.add_option("--json", o.json, "also write the results here, for --spread and plots");
    app.add_option("--spread", o.spread, "print the spread across these JSON results instead of measuring");
    CLI11_PARSE(app, argc, argv);

    if (!o.spread.empty()) {
        std::vector<RunResult> runs;
        for (const auto& path : o.spread) {
            std::ifstream in(path);
            if (!in) throw Error("cannot read " + path);
            runs.push_back(run_from_json(nlohmann::json::parse(in)));
        }
        std::cout << spread_markdown(runs);
        return 0;
    }

    std::string command;
    for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
    const RunResult run = measure(o, command);
    std::cout << markdown(run);
    if (!o.json.empty()) {
        std::ofstream out(o.json);
        out << to_json(run).dump(2) << "\n";
        if (!out) throw Error("cannot write " + o.json);
    }
    return 0;
}

}  // namespace
}  // namespace xgslb::bench

int main(int argc, char** argv) {
    try {
        return xgslb::bench::run_main(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "xdp_query_cost: " << e.what() << "\n";
        return 1;
    }
}
