// BPF fuzz harness: random and mutated frames through the XDP program (BPF_PROG_TEST_RUN, one
// run per frame) on a private instance with rate limiting on (RrlWorld), checking for every
// frame what must hold whatever the input:
//   * XDP_PASS leaves the frame untouched; XDP_TX and XDP_DROP only with a counter that says so;
//   * every run moves packets_seen by one and exactly one verdict counter by one;
//   * XDP_TX only for a query that decodes cleanly (QR=0), and the output is a well-formed DNS
//     response to it: MACs, addresses and ports swapped, QR=1, the same ID, the question octets
//     echoed, IPv4 header and UDP checksums correct, no larger than the client allows (512 or
//     its EDNS size, capped by ours) and a TC=1 slip no larger than the query.
// Mutated frames get their checksums recomputed first, as a NIC that verified them would hand
// them over: the program does not verify a query's UDP checksum (its incremental update keeps a
// wrong one wrong, so the client discards such a response), which this harness would otherwise
// report on every corrupted frame.
//
//   xdp_fuzz [--seconds N] [--max-frames N] [--seed N] [--corpus DIR] [--out DIR] [--write-seeds DIR]
// Run from the source root (the fixture path is relative). Exit 0: no violation; 1: violations,
// each printed with the frame in hex and saved as violation-<n>.bin in --out.
#include <linux/bpf.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "tests/bpf/rrl_test_world.h"
#include "userspace/inet_checksum.h"

namespace xgslb::test {
namespace {

struct Options {
    double seconds = 20;
    uint64_t max_frames = 200000;
    uint64_t seed = 1;
    std::string corpus = "tests/bpf/fuzz_corpus";
    std::string write_seeds;
    std::string out = ".";  // where violation files go
};

// Where the layers of a frame are, as far as it parses; what a checksum fix-up needs.
struct Layout {
    int ip_version = 0;
    size_t l3 = 0, l4 = 0, end = 0;  // end: past the IP packet (its stated length, clamped)
    bool udp = false;
};

uint16_t get16(const Bytes& b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
void set16(Bytes& b, size_t at, uint16_t v) { b[at] = v >> 8, b[at + 1] = v & 0xff; }

Layout layout_of(const Bytes& f) {
    Layout l;
    size_t off = 12;
    if (f.size() < 14) return l;
    uint16_t type = get16(f, off);
    for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8) && f.size() >= off + 6; ++i) {
        off += 4;
        type = get16(f, off);
    }
    off += 2;
    l.l3 = off;
    if (type == 0x0800 && f.size() >= off + 20 && (f[off] >> 4) == 4) {
        l.ip_version = 4;
        const size_t ihl = (f[off] & 0xf) * 4u;
        l.l4 = off + ihl;
        l.end = std::min(f.size(), off + get16(f, off + 2));
        l.udp = f[off + 9] == 17 && ihl >= 20 && l.end >= l.l4 + 8;
    } else if (type == 0x86dd && f.size() >= off + 40 && (f[off] >> 4) == 6) {
        l.ip_version = 6;
        l.l4 = off + 40;
        l.end = std::min(f.size(), l.l4 + get16(f, off + 4));
        l.udp = f[off + 6] == 17 && l.end >= l.l4 + 8;
    }
    return l;
}

void fix_checksums(Bytes& f) {
    const Layout l = layout_of(f);
    if (l.ip_version == 4 && l.l4 <= f.size()) {
        set16(f, l.l3 + 10, 0);
        set16(f, l.l3 + 10, static_cast<uint16_t>(~ones_complement_sum(&f[l.l3], l.l4 - l.l3)));
    }
    if (!l.udp) return;
    const size_t udp_len = std::min<size_t>(get16(f, l.l4 + 4), l.end - l.l4);
    if (udp_len < 8) return;
    Bytes pseudo;
    if (l.ip_version == 4) pseudo.insert(pseudo.end(), &f[l.l3 + 12], &f[l.l3 + 20]);
    else pseudo.insert(pseudo.end(), &f[l.l3 + 8], &f[l.l3 + 40]);
    put16(pseudo, 0);
    put16(pseudo, 17);
    put16(pseudo, static_cast<uint16_t>(udp_len));
    set16(f, l.l4 + 6, 0);
    const uint16_t sum = ones_complement_sum(&f[l.l4], udp_len, ones_complement_sum(pseudo.data(), pseudo.size()));
    set16(f, l.l4 + 6, static_cast<uint16_t>(~sum) ? static_cast<uint16_t>(~sum) : 0xffff);
}

std::vector<std::pair<std::string, Bytes>> builtin_seeds() {
    std::vector<std::pair<std::string, Bytes>> s;
    s.emplace_back("a_v4", query4("single.cloud.example.com", qtype::A).build());
    s.emplace_back("a_v4_edns_do", query4("Four.Cloud.Example.com", qtype::A).edns(Edns{}.dnssec_ok()).build());
    s.emplace_back("aaaa_v6_edns", query6("big.cloud.example.com", qtype::AAAA).edns(Edns{}.size(4096)).build());
    s.emplace_back("aaaa_v4_512", query4("big.cloud.example.com", qtype::AAAA).build());
    s.emplace_back("nodata_mx", query4("single.cloud.example.com", qtype::MX).build());
    s.emplace_back("nxdomain_v6", query6("nope.cloud.example.com", qtype::A).build());
    s.emplace_back("nxdomain_long", query4(long_name('e'), qtype::A).edns(Edns{}).build());
    s.emplace_back("ent", query4("y.cloud.example.com", qtype::A).build());
    s.emplace_back("vlan2", query4("dual.cloud.example.com", qtype::A).vlan(7).vlan(9, 0x88a8).build());
    s.emplace_back("wild_zone", query4("x.wild.example.net", qtype::A).build());
    s.emplace_back("any", query4("single.cloud.example.com", qtype::ANY).build());
    s.emplace_back("out_of_zone", query4("example.org", qtype::A).build());
    s.emplace_back("response_qr1", query4("single.cloud.example.com", qtype::A).qr().build());
    s.emplace_back("from_ntp_port", query4("single.cloud.example.com", qtype::A).udp_ports(123, 53).build());
    s.emplace_back("limited_client", query4("single.cloud.example.com", qtype::A).ipv4("192.0.2.9", kServerV4).build());
    return s;
}

std::string counter_of_run(const xgslb_stats& before, const xgslb_stats& after, std::vector<std::string>& errors) {
    std::string verdict;
    bool seen = false;
    for (const auto& [name, n] : counter_delta(before, after)) {
        if (name == "packets_seen") {
            seen = n == 1;
            if (n != 1) errors.push_back("packets_seen moved by " + std::to_string(n));
        } else if (n != 1 || !verdict.empty()) {
            errors.push_back("more than one verdict counter moved (" + name + ")");
        } else {
            verdict = name;
        }
    }
    if (!seen) errors.push_back("packets_seen did not move");
    if (verdict.empty()) errors.push_back("no verdict counter moved");
    return verdict;
}

std::vector<std::string> check_frame(const RrlWorld& world, const Bytes& in, uint16_t our_payload) {
    std::vector<std::string> errors;
    const xgslb_stats before = world.stats();
    XdpRunResult got;
    if (int err = try_run_xdp(world.program().prog_fd(), in, got)) {
        // The kernel refuses frames shorter than an Ethernet header; nothing ran.
        if (in.size() < 14 && err == -EINVAL) return errors;
        return {"BPF_PROG_TEST_RUN failed: " + std::string(std::strerror(-err))};
    }
    const std::string verdict = counter_of_run(before, world.stats(), errors);
    const bool tx_counter = verdict.rfind("answered_", 0) == 0;
    const bool drop_counter = verdict.rfind("dropped", 0) == 0;
    if (got.action == XDP_PASS) {
        if (tx_counter || drop_counter) errors.push_back("XDP_PASS counted as " + verdict);
        if (got.output != in) errors.push_back("XDP_PASS changed the frame");
        return errors;
    }
    if (got.action == XDP_DROP) {
        if (!drop_counter) errors.push_back("XDP_DROP counted as " + verdict);
        return errors;
    }
    if (got.action != XDP_TX) return {"action " + xdp_action_name(got.action)};
    if (!tx_counter) errors.push_back("XDP_TX counted as " + verdict);

    // The query as the IP layer sees it: Ethernet padding after the IP packet is not part of it.
    Bytes query = in;
    if (const Layout l = layout_of(in); l.ip_version && l.end >= l.l3) query.resize(l.end);
    const DecodeResult q = decode_dns_frame(query);
    for (const auto& e : q.errors) errors.push_back("answered a query that does not decode: " + e);
    const DecodeResult r = decode_dns_frame(got.output);
    for (const auto& e : r.errors) errors.push_back("response: " + e);
    if (!q.ok() || !r.ok()) return errors;
    const DecodedFrame &qf = q.frame, &rf = r.frame;
    if (qf.dns.qr) errors.push_back("answered a QR=1 message");
    if (rf.eth_src != qf.eth_dst || rf.eth_dst != qf.eth_src) errors.push_back("MACs not swapped");
    if (rf.ip_version != qf.ip_version || rf.ip_src != qf.ip_dst || rf.ip_dst != qf.ip_src)
        errors.push_back("addresses not swapped");
    if (rf.udp_src_port != qf.udp_dst_port || rf.udp_dst_port != qf.udp_src_port) errors.push_back("ports not swapped");
    if (!rf.dns.qr) errors.push_back("QR=0");
    if (rf.dns.id != qf.dns.id) errors.push_back("ID changed");
    if (rf.dns.qdcount != 1 || rf.question != qf.question) errors.push_back("question not echoed octet for octet");
    size_t limit = 512;
    for (const auto& rr : qf.additional)
        if (rr.opt) limit = std::max<size_t>(512, std::min<size_t>(rr.opt->payload_size, our_payload));
    if (rf.dns.tc) limit = qf.dns_message.size();
    if (rf.dns_message.size() > limit)
        errors.push_back("response of " + std::to_string(rf.dns_message.size()) + " octets, limit " +
                         std::to_string(limit));
    if (rf.dns.tc && (verdict != "answered_rrl_slip" || !rf.answer.empty() || !rf.authority.empty()))
        errors.push_back("TC=1 other than an empty RRL slip");
    return errors;
}

Bytes mutate(const Bytes& seed, std::mt19937_64& rng, const std::vector<Bytes>& pool) {
    Bytes f = seed;
    auto pick = [&](size_t n) { return n ? static_cast<size_t>(rng() % n) : 0; };
    const int steps = 1 + static_cast<int>(rng() % 4);
    for (int s = 0; s < steps; ++s) {
        switch (rng() % 8) {
        case 0: if (!f.empty()) f[pick(f.size())] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 1: if (!f.empty()) f[pick(f.size())] = static_cast<uint8_t>(rng()); break;
        case 2: if (!f.empty()) f.resize(pick(f.size() + 1)); break;
        case 3: for (size_t n = 1 + pick(16); n; --n) f.push_back(static_cast<uint8_t>(rng())); break;
        case 4: if (!f.empty()) f.insert(f.begin() + static_cast<long>(pick(f.size())), static_cast<uint8_t>(rng())); break;
        case 5: if (!f.empty()) f.erase(f.begin() + static_cast<long>(pick(f.size()))); break;
        case 6: {  // interesting values in a 16-bit field
            static const uint16_t values[] = {0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3f, 0x40, 0xc0, 0xc00c, 0xffff, 41, 12};
            if (f.size() >= 2) set16(f, pick(f.size() - 1), values[pick(std::size(values))]);
            break;
        }
        default: {  // splice the tail of another seed
            const Bytes& other = pool[pick(pool.size())];
            if (!f.empty() && !other.empty()) {
                const size_t at = pick(f.size()), from = pick(other.size());
                f.resize(at);
                f.insert(f.end(), other.begin() + static_cast<long>(from), other.end());
            }
        }
        }
    }
    if (f.size() > 4000) f.resize(4000);
    fix_checksums(f);
    return f;
}

int run(const Options& o) {
    auto seeds = builtin_seeds();
    if (!o.write_seeds.empty()) {
        std::filesystem::create_directories(o.write_seeds);
        for (const auto& [name, frame] : seeds)
            std::ofstream(o.write_seeds + "/" + name + ".bin", std::ios::binary)
                .write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
        return 0;
    }
    std::vector<Bytes> pool;
    for (auto& [name, frame] : seeds) pool.push_back(frame);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(o.corpus, ec)) {
        std::ifstream in(entry.path(), std::ios::binary);
        pool.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    RrlWorld world;
    // Limiting on, so slips and drops are checked too: the fixture's client is allow-listed,
    // mutated sources are limited at 50 per second with every 2nd over-limit query slipped.
    RrlConfig rrl = rrl_config(50, 2);
    rrl.allow.push_back({AF_INET, {10, 77, 0, 0}, 24});
    world.configure(rrl);
    const uint16_t our_payload = fixture_config().dns.udp_payload_size;

    std::mt19937_64 rng(o.seed);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.seconds);
    uint64_t frames = 0, violations = 0;
    for (; frames < o.max_frames && std::chrono::steady_clock::now() < deadline; ++frames) {
        Bytes f;
        if (frames < pool.size()) {
            f = pool[frames];  // every seed once, unchanged
        } else if (rng() % 32 == 0) {
            f.resize(static_cast<size_t>(rng() % 600));
            for (auto& b : f) b = static_cast<uint8_t>(rng());
            fix_checksums(f);
        } else {
            f = mutate(pool[rng() % pool.size()], rng, pool);
        }
        const auto errors = check_frame(world, f, our_payload);
        if (errors.empty()) continue;
        ++violations;
        const std::string file = o.out + "/violation-" + std::to_string(violations) + ".bin";
        std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
        std::cerr << "violation " << violations << " (" << file << "): " << hex(f) << "\n";
        for (const auto& e : errors) std::cerr << "  " << e << "\n";
        if (violations >= 20) break;
    }
    const xgslb_stats s = world.stats();
    const uint64_t tx = s.answered_a + s.answered_aaaa + s.answered_nodata + s.answered_nxdomain + s.answered_rrl_slip;
    const uint64_t drop = s.dropped + s.dropped_rrl + s.dropped_reflection;
    std::cout << "xdp_fuzz: " << frames << " frames (seed " << o.seed << ", " << pool.size() << " seeds), " << tx
              << " answered (" << s.answered_rrl_slip << " slips), " << drop << " dropped, "
              << s.packets_seen - tx - drop << " passed, " << violations << " violations\n";
    return violations ? 1 : 0;
}

}  // namespace
}  // namespace xgslb::test

int main(int argc, char** argv) {
    xgslb::test::Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--seconds") o.seconds = std::stod(v);
        else if (k == "--max-frames") o.max_frames = std::stoull(v);
        else if (k == "--seed") o.seed = std::stoull(v);
        else if (k == "--corpus") o.corpus = v;
        else if (k == "--write-seeds") o.write_seeds = v;
        else if (k == "--out") o.out = v;
        else {
            std::cerr << "xdp_fuzz: unknown option " << k << "\n";
            return 2;
        }
    }
    try {
        return xgslb::test::run(o);
    } catch (const std::exception& e) {
        std::cerr << "xdp_fuzz: " << e.what() << "\n";
        return 2;
    }
}
