// xdp_dns_loadgen: a DNS load generator that sends from inside the kernel, for the throughput
// harness (bench/run_throughput.sh, GENERATOR=xdp). kxdpgun sends through an AF_XDP socket, one
// thread per queue; on a veth pair with one queue and two CPUs shared with the responder it
// peaks below what an XDP responder can answer, so it measures itself. This one prebuilds up to
// LOADGEN_FRAMES query frames from a kxdpgun-style query file ("name type [E]" per line), runs
// bpf/xdp_dns_loadgen.bpf.c's `dns_loadgen` under BPF_PROG_TEST_RUN in live-frames mode (each
// repetition: the next frame, XDP_TX out of the interface) at a paced rate, and counts replies
// with `dns_replies` attached to the same interface, which also times every reply against its
// query's send time (sequence number in DNS ID and source port, see bpf/xdp_dns_loadgen.h) into
// a log-linear histogram. Run it inside the client's namespace.
//
//   xdp_dns_loadgen -I vc --src 10.77.0.1 --dst 10.77.0.2 --src-mac MAC --dst-mac MAC
//                   -i queries.txt -Q RATE -t SECONDS
// Prints kxdpgun's summary lines ("total queries: N (R pps)", "total replies: N (R pps) (P%)",
// "responded RCODE: N"), so the harness reads both generators alike, and one of its own:
// "latency us: p50 X p90 X p99 X p99.9 X max X timed N unmatched M". The latency runs from the
// moment the generator program writes the frame to the moment the reply counter sees the reply:
// it includes the wait in the generator's own batch (up to --batch frames, default 64, are
// written before the kernel flushes them to the interface and the responder runs), so compare
// servers with the echo row of the same run.
// --histogram FILE writes the buckets ("lowest_ns highest_ns count" per non-empty bucket).
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <atomic>
#include <array>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "bpf/xdp_dns_loadgen.h"
#include "userspace/dns_name.h"
#include "userspace/error.h"
#include "userspace/inet_checksum.h"
#include "tools/latency_histogram.h"
#include "tools/send_spacing.h"
#include "xdp_dns_loadgen.skel.h"

namespace {

using Clock = std::chrono::steady_clock;
// veth's receive ring (VETH_RING_SIZE): a call of more frames than this overflows the
// responder's ring unless its NAPI thread drains it while the call is still sending.
constexpr uint32_t kRingFrames = 256;
volatile std::sig_atomic_t stop_requested = 0;

struct Options {
    std::string interface, queries, src_ip, dst_ip, src_mac, dst_mac, histogram;
    uint64_t rate = 100000;
    double seconds = 5;
    uint16_t port = 53;
    uint32_t batch = 64;
    bool time_replies = true;
    unsigned senders = 1;
    std::string park_on;
    uint32_t pace_frames = 128;
    uint32_t catch_up = 256;
    uint32_t max_call_rate = 1000;
    std::string pacing = "frames";  // frames: in the kernel, per frame; calls: by call sizes
    double call_ms = 20;            // --pacing frames: the length of one live-frames call
};

std::array<uint8_t, 6> parse_mac(const std::string& text) {
    std::array<uint8_t, 6> mac{};
    unsigned v[6];
    if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        throw xgslb::Error("bad MAC address '" + text + "'");
    for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(v[i]);
    return mac;
}

uint32_t parse_ipv4(const std::string& text) {
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) throw xgslb::Error("bad IPv4 address '" + text + "'");
    return a.s_addr;  // network order
}

uint16_t qtype_code(const std::string& t) {
    static const std::pair<const char*, uint16_t> known[] = {{"A", 1},   {"NS", 2},    {"CNAME", 5}, {"SOA", 6},
                                                             {"TXT", 16}, {"AAAA", 28}, {"ANY", 255}};
    for (const auto& [name, code] : known)
        if (t == name) return code;
    throw xgslb::Error("query type '" + t + "' not known to xdp_dns_loadgen");
}

void put16(std::vector<uint8_t>& f, size_t at, uint16_t v) {
    f[at] = uint8_t(v >> 8);
    f[at + 1] = uint8_t(v);
}

// One complete frame: Ethernet, IPv4 (no options), UDP, the DNS query; source port and DNS ID
// zero, for the generator program to stamp with the query's sequence number.
std::vector<uint8_t> build_frame(const Options& o, const std::string& name, uint16_t qtype, bool edns) {
    std::vector<uint8_t> dns = {0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, uint8_t(edns)};
    const xgslb::WireName wire = xgslb::name_to_wire(name);
    dns.insert(dns.end(), wire.begin(), wire.end());
    dns.insert(dns.end(), {uint8_t(qtype >> 8), uint8_t(qtype), 0, 1});
    if (edns) dns.insert(dns.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});  // OPT, 1232 octets

    std::vector<uint8_t> f(14 + 20 + 8);
    const auto dst_mac = parse_mac(o.dst_mac), src_mac = parse_mac(o.src_mac);
    std::copy(dst_mac.begin(), dst_mac.end(), f.begin());
    std::copy(src_mac.begin(), src_mac.end(), f.begin() + 6);
    put16(f, 12, 0x0800);
    const size_t ip = 14, udp = 34;
    const uint32_t src = parse_ipv4(o.src_ip), dst = parse_ipv4(o.dst_ip);
    f[ip] = 0x45;
    put16(f, ip + 2, uint16_t(20 + 8 + dns.size()));
    f[ip + 8] = 64;
    f[ip + 9] = 17;  // UDP
    std::memcpy(&f[ip + 12], &src, 4);
    std::memcpy(&f[ip + 16], &dst, 4);
    put16(f, ip + 10, uint16_t(~xgslb::ones_complement_sum(&f[ip], 20)));
    put16(f, udp, 0);
    put16(f, udp + 2, o.port);
    put16(f, udp + 4, uint16_t(8 + dns.size()));
    f.insert(f.end(), dns.begin(), dns.end());
    // UDP checksum over the pseudo-header (addresses, protocol, length) and the datagram.
    uint32_t pseudo = xgslb::ones_complement_sum(&f[ip + 12], 8) + 17 + uint32_t(8 + dns.size());
    uint16_t sum = uint16_t(~xgslb::ones_complement_sum(&f[udp], f.size() - udp, pseudo));
    put16(f, udp + 6, sum ? sum : 0xffff);
    if (f.size() > LOADGEN_FRAME_MAX - 1) throw xgslb::Error("query for " + name + " too long for a frame");
    return f;
}

// The query file in order, repeated to fill the table (the sequence number, not the entry, tells
// replies apart).
std::vector<std::vector<uint8_t>> build_frames(const Options& o) {
    std::ifstream in(o.queries);
    if (!in) throw xgslb::Error("cannot read " + o.queries);
    struct Line { std::string name; uint16_t qtype; bool edns; };
    std::vector<Line> lines;
    for (std::string text; std::getline(in, text);) {
        std::istringstream fields(text);
        std::string name, type, flags;
        if (!(fields >> name >> type)) continue;
        fields >> flags;
        lines.push_back({name, qtype_code(type), flags.find('E') != std::string::npos});
    }
    if (lines.empty()) throw xgslb::Error(o.queries + " has no queries");
    const size_t count = LOADGEN_FRAMES - LOADGEN_FRAMES % lines.size();  // whole rounds of the mix
    std::vector<std::vector<uint8_t>> frames;
    for (size_t i = 0; i < count; ++i) {
        const Line& l = lines[i % lines.size()];
        frames.push_back(build_frame(o, l.name, l.qtype, l.edns));
    }
    return frames;
}

uint64_t sum_counter(int map_fd, uint32_t index) {
    const int cpus = libbpf_num_possible_cpus();
    std::vector<uint64_t> values(static_cast<size_t>(cpus));
    if (bpf_map_lookup_elem(map_fd, &index, values.data())) throw xgslb::Error("reading loadgen_stats failed");
    uint64_t total = 0;
    for (uint64_t v : values) total += v;
    return total;
}

// Owns the loaded programs and the reply counter's attachment; detaches on every exit path.
class Loadgen {
public:
    Loadgen(const Options& o, size_t frames) : ifindex_(if_nametoindex(o.interface.c_str())) {
        if (!ifindex_) throw xgslb::Error("no interface " + o.interface + " in this namespace");
        skel_ = xdp_dns_loadgen_bpf__open();
        if (!skel_) throw xgslb::Error("opening the loadgen BPF object failed");
        skel_->rodata->frame_count = static_cast<uint32_t>(frames);
        skel_->rodata->server_port = htons(o.port);
        skel_->rodata->time_replies = o.time_replies;
        skel_->rodata->send_ifindex = ifindex_;
        skel_->rodata->paced = o.pacing == "frames";
        if (xdp_dns_loadgen_bpf__load(skel_)) throw xgslb::Error("loading the loadgen BPF object failed");
        if (bpf_xdp_attach(static_cast<int>(ifindex_), bpf_program__fd(skel_->progs.dns_replies), XDP_FLAGS_DRV_MODE, nullptr))
            throw xgslb::Error("attaching dns_replies to " + o.interface + " failed (is another XDP program there?)");
        attached_ = true;
        if (!o.park_on.empty()) {
            park_ifindex_ = if_nametoindex(o.park_on.c_str());
            if (!park_ifindex_ || bpf_xdp_attach(static_cast<int>(park_ifindex_), bpf_program__fd(skel_->progs.dns_loadgen),
                                                 XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, nullptr)) {
                park_ifindex_ = 0;
                throw xgslb::Error("parking dns_loadgen on " + o.park_on + " failed (no such interface, or XDP already there)");
            }
        }
    }
    ~Loadgen() {
        if (park_ifindex_) bpf_xdp_detach(static_cast<int>(park_ifindex_), XDP_FLAGS_SKB_MODE, nullptr);
        if (attached_) bpf_xdp_detach(static_cast<int>(ifindex_), XDP_FLAGS_DRV_MODE, nullptr);
        xdp_dns_loadgen_bpf__destroy(skel_);
    }
    Loadgen(const Loadgen&) = delete;
    Loadgen& operator=(const Loadgen&) = delete;

    void put_frame(uint32_t index, const std::vector<uint8_t>& frame) {
        loadgen_frame value{};
        value.len = static_cast<uint32_t>(frame.size());
        std::copy(frame.begin(), frame.end(), value.data);
        if (bpf_map_update_elem(bpf_map__fd(skel_->maps.loadgen_frames), &index, &value, BPF_ANY))
            throw xgslb::Error("writing loadgen_frames failed");
    }

    static constexpr uint32_t kCall = 65536;  // repetitions per call: ~10 ms of sending at most

    // `count` repetitions of dns_loadgen in live-frames mode: each one frame sent.
    // False when the kernel had no room for another call's page pool (ENOSPC; nothing sent).
    // `ns_per_repetition`, when given: the kernel's mean time per repetition of this call.
    bool send(uint32_t count, uint32_t batch, const std::vector<uint8_t>& seed_frame, uint32_t* ns_per_repetition = nullptr) {
        xdp_md ctx{};
        ctx.ingress_ifindex = ifindex_;
        ctx.data_end = static_cast<uint32_t>(seed_frame.size());  // the kernel insists it equals the input size
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = seed_frame.data(), .data_size_in = uint32_t(seed_frame.size()),
                    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(count),
                    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = batch);
        if (bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.dns_loadgen), &opts) == 0) {
            if (ns_per_repetition) *ns_per_repetition = opts.duration;
            return true;
        }
        // ENOSPC: every call registers a page pool under a memory-model ID, freed only once its
        // pages are back (frames a kernel-stack server still holds in a socket queue keep it
        // alive ~1 s or more); many short calls can use up the 65534 IDs. Wait, then retry.
        if (errno == ENOSPC) return false;
        throw xgslb::Error("BPF_PROG_TEST_RUN (live frames) failed: " + std::string(std::strerror(errno)));
    }

    void set_pace(const loadgen_pace& pace) {
        const uint32_t zero = 0;
        if (bpf_map_update_elem(bpf_map__fd(skel_->maps.loadgen_pace), &zero, &pace, BPF_ANY))
            throw xgslb::Error("writing loadgen_pace failed");
    }
    loadgen_pace pace() const {
        const uint32_t zero = 0;
        loadgen_pace p{};
        if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.loadgen_pace), &zero, &p)) throw xgslb::Error("reading loadgen_pace failed");
        return p;
    }

    // Every send time still in loadgen_send_times (the last 2^19 frames of each sending CPU).
    std::vector<uint64_t> send_times() const {
        const int fd = bpf_map__fd(skel_->maps.loadgen_send_times);
        std::vector<uint64_t> times;
        std::vector<uint32_t> keys(65536);
        std::vector<loadgen_send_time> values(65536);
        uint32_t in = 0, out = 0;
        for (bool first = true;; first = false) {
            uint32_t count = uint32_t(keys.size());
            const int err = bpf_map_lookup_batch(fd, first ? nullptr : &in, &out, keys.data(), values.data(), &count, nullptr);
            for (uint32_t i = 0; i < count; ++i)
                if (values[i].sent_ns) times.push_back(values[i].sent_ns);
            if (err) {
                if (errno == ENOENT) break;  // the whole map read
                throw xgslb::Error("reading loadgen_send_times failed: " + std::string(std::strerror(errno)));
            }
            in = out;
        }
        return times;
    }

    uint64_t counter(uint32_t index) const { return sum_counter(bpf_map__fd(skel_->maps.loadgen_stats), index); }

    // "prog NAME ns_per_run X runs N" for both programs: what they cost per frame while the
    // kernel's bpf_stats were on (the harness's PROFILE=1); nothing when they were off.
    void print_program_costs() const {
        for (const bpf_program* p : {skel_->progs.dns_loadgen, skel_->progs.dns_replies}) {
            bpf_prog_info info{};
            uint32_t len = sizeof(info);
            if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) || info.run_cnt == 0) continue;
            std::printf("prog %s ns_per_run %.0f runs %llu\n", bpf_program__name(p),
                        double(info.run_time_ns) / double(info.run_cnt), (unsigned long long)info.run_cnt);
        }
    }

    std::vector<uint64_t> latency_histogram() const {
        std::vector<uint64_t> counts(LOADGEN_LAT_BUCKETS);
        for (uint32_t b = 0; b < LOADGEN_LAT_BUCKETS; ++b)
            counts[b] = sum_counter(bpf_map__fd(skel_->maps.loadgen_latency), b);
        return counts;
    }

private:
    unsigned ifindex_;
    unsigned park_ifindex_ = 0;
    xdp_dns_loadgen_bpf* skel_ = nullptr;
    bool attached_ = false;
};

const char* rcode_name(unsigned rcode) {
    static const char* names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
    return rcode < std::size(names) ? names[rcode] : "OTHER";
}

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void print_latency(const std::vector<uint64_t>& counts, uint64_t timed, uint64_t unmatched, const std::string& file) {
    using xgslb::loadgen::percentile;
    const auto us = [&](double p) { return double(percentile(counts, p)) / 1000.0; };
    std::printf("latency us: p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f timed %llu unmatched %llu\n", us(0.5),
                us(0.9), us(0.99), us(0.999), us(1.0), (unsigned long long)timed, (unsigned long long)unmatched);
    if (file.empty()) return;
    std::ofstream out(file);
    if (!out) throw xgslb::Error("cannot write " + file);
    out << "lowest_ns\thighest_ns\tcount\n";
    for (uint32_t b = 0; b < counts.size(); ++b)
        if (counts[b]) out << xgslb::loadgen::bucket_lowest(b) << '\t' << xgslb::loadgen::bucket_highest(b) << '\t' << counts[b] << '\n';
}

// What both pacings print: kxdpgun's summary lines, latency, CPU, frame sizes, spacing.
void report(const Loadgen& gen, const Options& o, const std::vector<std::vector<uint8_t>>& frames, double elapsed,
            double cpu_at_start) {
    const uint64_t sent = gen.counter(LOADGEN_SENT), replies = gen.counter(LOADGEN_REPLIES);
    std::printf("using interface %s, BPF_PROG_TEST_RUN live frames, UDP, %zu frames\n", o.interface.c_str(), frames.size());
    std::printf("total queries:     %llu (%.0f pps)\n", (unsigned long long)sent, sent / elapsed);
    std::printf("total replies:     %llu (%.0f pps) (%.2f%%)\n", (unsigned long long)replies, replies / elapsed,
                sent ? 100.0 * double(replies) / double(sent) : 0.0);
    for (unsigned rc = 0; rc < 16; ++rc)
        if (uint64_t n = gen.counter(LOADGEN_RCODE + rc)) std::printf("responded %s: %llu\n", rcode_name(rc), (unsigned long long)n);
    if (o.time_replies)
        print_latency(gen.latency_histogram(), gen.counter(LOADGEN_TIMED), gen.counter(LOADGEN_UNMATCHED), o.histogram);
    // On veth the responder's XDP program and the reply counter run in this thread's softirq
    // (each live-frames batch ends with local_bh_enable()), so this is the whole path's cost;
    // unless the veth ends run threaded NAPI (the harness's split mode), then it is the sending
    // alone. Meaningful when sending flat out: below that, pacing sleeps between slices.
    const double cpu_s = cpu_seconds() - cpu_at_start;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    // Context switches: voluntary ones are waits (sleeps between calls, or blocking inside one);
    // involuntary ones are other work (or the reply counter's NAPI kthread) taking its CPU.
    // And how long it was runnable but waiting for its CPU (schedstat: ns on the CPU, ns waiting).
    unsigned long long on_cpu_ns = 0, waited_ns = 0;
    if (std::ifstream stat("/proc/thread-self/schedstat"); stat) stat >> on_cpu_ns >> waited_ns;
    std::printf("generator cpu: %.0f ms, %.0f ns per query sent, context switches %ld voluntary %ld involuntary, "
                "on cpu %.0f ms, waited %.0f ms\n",
                cpu_s * 1e3, sent ? cpu_s * 1e9 / double(sent) : 0.0, usage.ru_nvcsw, usage.ru_nivcsw, double(on_cpu_ns) / 1e6,
                double(waited_ns) / 1e6);
    size_t query_octets = 0;
    for (const auto& f : frames) query_octets += f.size();
    std::printf("frame octets: query mean %.1f reply mean %.1f\n", double(query_octets) / double(frames.size()),
                replies ? double(gen.counter(LOADGEN_REPLY_OCTETS)) / double(replies) : 0.0);
    if (o.time_replies) {  // the send times are recorded only then
        const auto s = xgslb::loadgen::send_spacing(gen.send_times(), o.rate);
        std::printf("spacing: %llu frames, per %llu us slot max %llu p99.9 %.0f, gap us p1 %.2f p50 %.2f p99 %.2f, "
                    "bursts (slots of more than %llu) %.1f %%\n",
                    (unsigned long long)s.frames, (unsigned long long)(xgslb::loadgen::kSpacingSlotNs / 1000),
                    (unsigned long long)s.slot_max, s.slot_p999, double(s.gap_p1_ns) / 1e3, double(s.gap_p50_ns) / 1e3,
                    double(s.gap_p99_ns) / 1e3, (unsigned long long)s.burst_limit, s.burst_pct);
    }
}

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);  // bpf_ktime_get_ns()'s clock
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

// --pacing frames: the program sends each frame when the schedule in loadgen_pace says it is due
// (bpf/xdp_dns_loadgen.h), and this thread only keeps live-frames calls running back to back,
// each --call-ms long (its repetition count from the kernel's own time per repetition of the
// previous call). Why: paced by call sizes (--pacing calls), above 128k q/s a call is rate /
// 1000 frames sent at the generator's full speed (~2M/s), e.g. 400 frames in ~0.2 ms at 400k
// q/s, into a responder's 256-frame veth ring; a NIC's traffic at that rate arrives spread out.
// Here a repetition with no frame due drops its page (recycled into the call's pool, nothing
// sent), so frames leave one by one at the offered rate, and the thread makes ~50 calls a second
// instead of up to 1000 (each holds one of the kernel's memory-model IDs for a while).
// The kernel (net/bpf/test_run.c) runs a call in batches of --batch repetitions with bottom
// halves off and flushes the frames sent at the end of each batch, so a frame leaves at most
// one batch (64 repetitions: a few µs here) after it was due; between batches it reschedules
// when asked, so the client end's NAPI kthread (the reply counter, SCHED_FIFO on this CPU)
// still runs. The thread keeps its CPU busy for the whole run, at any rate.
// Returns the repetitions it ran; `end_ns` is when the schedule stopped.
uint64_t pace_in_kernel(Loadgen& gen, const Options& o, const std::vector<uint8_t>& seed_frame, uint64_t& calls,
                        unsigned& refusals, uint64_t& end_ns) {
    loadgen_pace pace{};
    pace.start_ns = monotonic_ns();
    pace.end_ns = end_ns = pace.start_ns + uint64_t(o.seconds * 1e9);
    pace.rate = o.rate;
    pace.max_late = o.catch_up;
    pace.next_due_ns = pace.start_ns;
    gen.set_pace(pace);
    uint32_t ns_per_repetition = 100;  // a first guess; every call measures it
    uint64_t repetitions = 0;
    while (!stop_requested) {
        const uint64_t now = monotonic_ns();
        if (now >= pace.end_ns) break;
        const uint64_t want_ns = std::min<uint64_t>(uint64_t(o.call_ms * 1e6), pace.end_ns - now);
        const uint64_t count = std::clamp<uint64_t>(want_ns / std::max<uint32_t>(ns_per_repetition, 1), 64, 1u << 24);
        if (!gen.send(static_cast<uint32_t>(count), o.batch, seed_frame, &ns_per_repetition)) {
            if (++refusals > 200) throw xgslb::Error("BPF_PROG_TEST_RUN refused 200 times (ENOSPC)");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        ++calls;
        repetitions += count;
    }
    return repetitions;
}

int run(const Options& o) {
    const auto frames = build_frames(o);
    Loadgen gen(o, frames.size());
    for (size_t i = 0; i < frames.size(); ++i) gen.put_frame(static_cast<uint32_t>(i), frames[i]);

    // Every BPF_PROG_TEST_RUN of an XDP program not attached anywhere adds it to the kernel's
    // XDP dispatcher and removes it again, and the removal waits for an RCU grace period:
    // ~30 ms per call here. --park-on attaches dns_loadgen to an idle interface (the client
    // namespace's lo) for the whole run, so it stays in the dispatcher and a call costs only
    // its frames: measured 17 % -> 64 % of queries answered by Knot DNS over UDP at 20k q/s,
    // with p50 590 -> 123 µs, as bursts of rate x 30 ms no longer overflow its socket buffer.
    // Paced by sender threads sharing one schedule: frame k is due at start + k / rate; a
    // thread claims what is due (at most kCall frames) and sends it in one live-frames call, or,
    // while fewer than --pace-frames (default 128, two batches) are due, sleeps until they are.
    // Unparked, each call ends with a wait of ~30 ms whatever
    // its size (measured: 4 s of 1 ms calls sent 614 frames with 31 ms of CPU; kernel 6.18 on
    // veth), so one thread sends in bursts of rate x 30 ms, which overflow the socket buffers
    // of the kernel-stack servers (an XDP-sent frame becomes an skb of a whole page: ~50 fit
    // in a default 208 KiB buffer) at rates they could otherwise answer. With --senders N the
    // calls overlap and a burst is about rate x 30 ms / N, but then N CPUs send at once and at
    // the maximum rate the responder's veth ring (256 frames) overflows even for the echo, so
    // the default is 1: one serial pipeline, all of it in this thread's softirq.
    // Why small calls, not whatever a fixed 1 ms sleep let pile up (as before): at 800k q/s that
    // was a call of ~800 frames, more than the responder's 256-frame veth ring, so its NAPI
    // thread had to be running within ~75 us of the call's first batch or frames were lost
    // however idle its CPU was; at 128 frames per call the ring holds two calls' worth. Not
    // fewer: a call costs ~30 us beyond its frames here (its page pool), so calls of 64 frames
    // left the generator able to send only 354k of 1M q/s offered to xgslb (652k with 128).
    // Behind schedule (descheduled by other work, or at its limit), it sends at most --catch-up
    // frames (default 256, the responder's veth ring) in one call and skips older ones: a backlog
    // made up in one call of thousands of frames at the generator's full speed overflowed the
    // ring of a responder that keeps up with the offered rate (measured on this shared machine
    // with the echo at 200k q/s: 28-54 % of frames sent in calls of more than 256, the largest
    // 1.7k-12k frames, and 3-14 % lost at its ring). So the offered rate is an upper bound; sent/s
    // is what is reported, and at the maximum rate every call is --catch-up frames. "pacing:"
    // reports how bursty the sending was: frames sent in calls of more than kRingFrames.
    // But at most --max-call-rate calls a second (default 1000, as with the 1 ms sleeps): each
    // call's page pool holds one of the kernel's 65534 memory-model IDs until its pages are back
    // and a deferred release has run, and at ~4-5k calls/s on this loaded machine they ran out
    // (ENOSPC: 29-89 refused calls per 5 s run, the echo's sweep sent 35-45k of 50k-1.2M q/s
    // offered). So above 128k q/s calls grow with the rate (800 frames at 800k q/s, as before),
    // and a late generator may catch up by two calls' worth.
    prctl(PR_SET_TIMERSLACK, 1000UL);  // 1 us, not 50: a sleep until the next call is ~0.1-2.6 ms
    const double cpu_at_start = cpu_seconds();
    const auto start = Clock::now();
    if (o.pacing == "frames") {
        uint64_t calls = 0, end_ns = 0;
        unsigned refusals = 0;
        const uint64_t start_ns = monotonic_ns();
        const uint64_t repetitions = pace_in_kernel(gen, o, frames[0], calls, refusals, end_ns);
        // Sending stopped at the schedule's end, even when the last call ran on past it.
        const double elapsed = double(std::min(monotonic_ns(), end_ns) - start_ns) / 1e9;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // replies still in flight
        const loadgen_pace pace = gen.pace();
        report(gen, o, frames, elapsed, cpu_at_start);
        std::printf("pacing: in kernel, %llu calls, %llu repetitions, %llu frames skipped (late by more than %u), "
                    "%llu sent late\n",
                    (unsigned long long)calls, (unsigned long long)repetitions, (unsigned long long)pace.skipped,
                    o.catch_up, (unsigned long long)pace.caught_up);
        if (refusals) std::printf("send calls refused (ENOSPC, frames not sent): %u\n", refusals);
        gen.print_program_costs();
        std::printf("duration: %.1f s\n", elapsed);
        return 0;
    }
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
    const auto due_at = [&](uint64_t frame) {
        return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(double(frame) / double(o.rate)));
    };
    const uint64_t pace = std::max<uint64_t>(o.pace_frames, o.rate / o.max_call_rate);
    const uint64_t max_backlog = std::max<uint64_t>(o.catch_up, 2 * pace);
    std::atomic<uint64_t> claimed{0};
    std::atomic<bool> failed{false};
    std::atomic<unsigned> send_refusals{0};
    std::atomic<uint64_t> calls{0}, largest_call{0}, burst_frames{0};
    auto sender = [&] {
        try {
            while (!stop_requested && !failed) {
                const auto now = Clock::now();
                if (now >= end) break;
                const auto due = static_cast<uint64_t>(std::chrono::duration<double>(now - start).count() * double(o.rate));
                uint64_t c = claimed.load();
                if (due < c + pace) {
                    std::this_thread::sleep_until(std::min(due_at(c + pace), end));
                    continue;
                }
                if (due - c > max_backlog) {  // skip what is too late to send now
                    claimed.compare_exchange_weak(c, due - max_backlog);
                    continue;
                }
                const auto n = std::min<uint64_t>(due - c, Loadgen::kCall);
                if (!claimed.compare_exchange_weak(c, c + n)) continue;
                if (!gen.send(static_cast<uint32_t>(n), o.batch, frames[0])) {
                    if (++send_refusals > 200) throw xgslb::Error("BPF_PROG_TEST_RUN refused 200 times (ENOSPC)");
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    continue;
                }
                ++calls;
                if (n > kRingFrames) burst_frames += n;
                for (uint64_t l = largest_call.load(); n > l && !largest_call.compare_exchange_weak(l, n);) {
                }
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "xdp_dns_loadgen: %s\n", e.what());
            failed = true;
        }
    };
    std::vector<std::thread> senders;
    for (unsigned i = 0; i < o.senders; ++i) senders.emplace_back(sender);
    for (auto& t : senders) t.join();
    if (failed) return 1;
    // The frames due by the end that no whole call was left for (fewer than a call's worth):
    // at 500 q/s a call of 128 frames is due every 256 ms, and a 2 s run would send 896, not 1000.
    if (const uint64_t c = claimed.load(), due = uint64_t(o.seconds * double(o.rate)); !stop_requested && due > c) {
        const auto n = std::min<uint64_t>({due - c, max_backlog, Loadgen::kCall});
        if (gen.send(static_cast<uint32_t>(n), o.batch, frames[0])) ++calls;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // replies still in flight
    report(gen, o, frames, elapsed, cpu_at_start);
    std::printf("pacing: %llu calls, largest %llu frames, %llu frames in calls of more than %u\n",
                (unsigned long long)calls.load(), (unsigned long long)largest_call.load(),
                (unsigned long long)burst_frames.load(), kRingFrames);
    if (send_refusals) std::printf("send calls refused (ENOSPC, frames not sent): %u\n", send_refusals.load());
    gen.print_program_costs();
    std::printf("duration: %.1f s\n", elapsed);
    return 0;
}


}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"DNS load generator: BPF_PROG_TEST_RUN live frames out of a (veth) interface"};
    Options o;
    app.add_option("-I,--interface", o.interface, "interface to send from and count replies on")->required();
    app.add_option("-i,--infile", o.queries, "query file: 'name type [E]' per line")->required();
    app.add_option("--src", o.src_ip, "our IPv4 address")->required();
    app.add_option("--dst", o.dst_ip, "the responder's IPv4 address")->required();
    app.add_option("--src-mac", o.src_mac, "our MAC address")->required();
    app.add_option("--dst-mac", o.dst_mac, "the responder's MAC address")->required();
    app.add_option("-p,--port", o.port, "the responder's UDP port");
    app.add_option("-Q,--qps", o.rate, "offered queries per second")->check(CLI::Range(1ull, 20000000ull));
    app.add_option("-t,--duration", o.seconds, "seconds of sending")->check(CLI::Range(0.1, 60.0));
    app.add_option("--batch", o.batch, "frames per live-frames batch (the kernel flushes after each)")
        ->check(CLI::Range(1u, 256u));
    app.add_option("--histogram", o.histogram, "write the latency histogram here (TSV)");
    app.add_option("--senders", o.senders, "threads making live-frames calls (each call ends with a wait)")
        ->check(CLI::Range(1u, 64u));
    app.add_option("--pace-frames", o.pace_frames,
                   "while pacing, wait until this many frames are due and send them in one call")
        ->check(CLI::Range(1u, 65536u));
    app.add_option("--catch-up", o.catch_up, "behind schedule, send at most this many frames in one call, skip older ones")
        ->check(CLI::Range(1u, 65536u));
    app.add_option("--max-call-rate", o.max_call_rate, "while pacing, at most this many live-frames calls a second")
        ->check(CLI::Range(1u, 1000000u));
    app.add_option("--pacing", o.pacing,
                   "frames: the program sends each frame when due, in long calls (default); calls: calls of the "
                   "frames due (--pace-frames, --max-call-rate), sent at full speed")
        ->check(CLI::IsMember({"frames", "calls"}));
    app.add_option("--call-ms", o.call_ms, "--pacing frames: milliseconds per live-frames call")->check(CLI::Range(1.0, 1000.0));
    app.add_option("--park-on", o.park_on,
                   "also attach the sending program (generic XDP) to this idle interface, e.g. lo: see below");
    app.add_flag("!--no-latency", o.time_replies, "do not time replies (what timing costs: compare)");
    CLI11_PARSE(app, argc, argv);
    if (o.pacing == "frames" && o.senders != 1) {
        std::fprintf(stderr, "xdp_dns_loadgen: --pacing frames keeps one schedule, for one sender: use --senders 1\n");
        return 1;
    }
    // The sequence number tells at most LOADGEN_SEQ_CPUS sending CPUs apart (more would shorten
    // the wrap, and with it the longest latency that can be timed): send from those, within the
    // CPUs we were given (the harness's split mode pins the generator to the client's CPU).
    if (libbpf_num_possible_cpus() > int(LOADGEN_SEQ_CPUS)) {
        cpu_set_t cpus;
        CPU_ZERO(&cpus);
        sched_getaffinity(0, sizeof(cpus), &cpus);
        for (unsigned c = LOADGEN_SEQ_CPUS; c < CPU_SETSIZE; ++c) CPU_CLR(c, &cpus);
        if (CPU_COUNT(&cpus) == 0) {
            std::fprintf(stderr, "xdp_dns_loadgen: allowed none of CPUs 0-%u (see LOADGEN_SEQ_CPUS)\n", LOADGEN_SEQ_CPUS - 1);
            return 1;
        }
        sched_setaffinity(0, sizeof(cpus), &cpus);
    }
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xdp_dns_loadgen: %s\n", e.what());
        return 1;
    }
}
