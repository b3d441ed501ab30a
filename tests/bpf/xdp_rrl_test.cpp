// Response rate limiting and never-reflect in the XDP program (bpf/rrl.h, bpf/reflection.h),
// through BPF_PROG_TEST_RUN on a private instance (RrlWorld). Bucket arithmetic (the RRL
// section of maps/xgslb_abi.h): a fresh bucket answers `rate` queries at once, then one per
// 1/rate s. Where the real clock matters, the test measures the time around its queries and
// accepts exactly the range a correct bucket can produce in that time. The program reads the
// coarse clock (CLOCK_MONOTONIC as of the last timer tick, bpf/rrl_clock.h), so the
// time it sees between two queries may differ from the real time between them by up to one
// tick, which the brackets add.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <sys/socket.h>

#include <time.h>

#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "tests/bpf/rrl_test_world.h"

namespace xgslb::test {
namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC, the clock the program's coarse one follows

// How far the program's clock (CLOCK_MONOTONIC_COARSE) can lag the real one: its resolution,
// the timer tick.
Clock::duration coarse_tick() {
    timespec res{};
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0) return std::chrono::milliseconds(10);
    return std::chrono::seconds(res.tv_sec) + std::chrono::nanoseconds(res.tv_nsec);
}

FrameBuilder from4(const std::string& client, uint16_t id = 0x1111) {
    FrameBuilder b = query4("single.cloud.example.com", qtype::A);
    b.ipv4(client, kServerV4).id(id);
    return b;
}

FrameBuilder from6(const std::string& client, uint16_t id = 0x2222) {
    FrameBuilder b = query6("single.cloud.example.com", qtype::A);
    b.ipv6(client, kServerV6).id(id);
    return b;
}

uint64_t moved(const xgslb_stats& before, const xgslb_stats& after, const std::string& name) {
    for (const auto& [n, v] : counter_delta(before, after))
        if (n == name) return v;
    return 0;
}

// What a slip must be: a response to that query with TC=1, AA=0, no records, the question
// echoed, our OPT iff the query had one, valid checksums, and never larger than the query.
std::vector<std::string> check_slip(const FrameBuilder& query, const Bytes& input, const XdpRunResult& got) {
    std::vector<std::string> out;
    if (got.action != XDP_TX) return {"action " + xdp_action_name(got.action) + ", expected XDP_TX"};
    if (got.output.size() > input.size())
        out.push_back("slip of " + std::to_string(got.output.size()) + " octets for a query of " +
                      std::to_string(input.size()));
    DecodeResult r = decode_dns_frame(got.output);
    for (const auto& e : r.errors) out.push_back("decode: " + e);
    const DecodedFrame& f = r.frame;
    const int v = query.ip_version();
    if (ip_to_string(f.ip_src, v) != ip_to_string(query.ip_dst(), v)) out.push_back("ip.src not swapped");
    if (ip_to_string(f.ip_dst, v) != ip_to_string(query.ip_src(), v)) out.push_back("ip.dst not swapped");
    if (f.udp_src_port != query.dst_port() || f.udp_dst_port != query.src_port()) out.push_back("ports not swapped");
    if (f.dns.id != query.header().id) out.push_back("id");
    if (!f.dns.qr || !f.dns.tc || f.dns.aa || f.dns.rcode != 0) out.push_back("flags: want QR=1 TC=1 AA=0 NOERROR");
    if (f.dns.rd != query.header().rd) out.push_back("rd not copied");
    if (f.question != query.question_bytes()) out.push_back("question not echoed");
    if (!f.answer.empty() || !f.authority.empty()) out.push_back("records in a slip");
    const size_t opts = query.edns_record() ? 1 : 0;
    if (f.additional.size() != opts || (opts && !f.additional[0].opt)) out.push_back("additional: want our OPT iff asked");
    return out;
}

class XdpRrl : public ::testing::Test {
protected:
    RrlWorld world;
};

TEST_F(XdpRrl, OffAnswersEverything) {
    const auto before = world.stats();
    for (int i = 0; i < 300; ++i) ASSERT_EQ(world.run(from4("10.1.1.1").build()).action, XDP_TX) << i;
    EXPECT_EQ(moved(before, world.stats(), "answered_a"), 300u);
}

TEST_F(XdpRrl, UnderTheLimitEveryQueryIsAnswered) {
    world.configure(rrl_config(100, 2));
    const auto before = world.stats();
    for (int i = 0; i < 100; ++i) {
        const FrameBuilder q = from4("10.1.1.1", static_cast<uint16_t>(i));
        const Bytes in = q.build();
        const XdpRunResult got = world.run(in);
        ASSERT_EQ(got.action, XDP_TX) << i;
        const DecodeResult r = decode_dns_frame(got.output);
        ASSERT_TRUE(r.ok()) << r.errors.front();
        ASSERT_FALSE(r.frame.dns.tc) << i;
        ASSERT_EQ(r.frame.answer.size(), 1u) << i;
    }
    const auto after = world.stats();
    EXPECT_EQ(moved(before, after, "answered_a"), 100u);
    EXPECT_EQ(moved(before, after, "dropped_rrl") + moved(before, after, "answered_rrl_slip"), 0u);
}

// rate 10, slip 3: ten answers, then over the limit the 3rd, 6th, 9th... slipped, the rest dropped.
TEST_F(XdpRrl, OverTheLimitDropsAndSlipsInTheExactRatio) {
    constexpr uint32_t rate = 10, slip = 3, queries = 70;
    world.configure(rrl_config(rate, slip));
    const auto before = world.stats();
    const auto start = Clock::now();
    std::vector<uint32_t> actions;
    std::vector<std::string> problems;
    for (uint32_t i = 0; i < queries; ++i) {
        FrameBuilder q = from4("10.1.1.1", static_cast<uint16_t>(0x100 + i));
        if (i % 2) q.edns(Edns{});  // slips with and without OPT
        const Bytes in = q.build();
        const XdpRunResult got = world.run(in);
        actions.push_back(got.action);
        if (got.action == XDP_TX && decode_dns_frame(got.output).frame.dns.tc)
            for (auto& p : check_slip(q, in, got)) problems.push_back("query " + std::to_string(i) + ": " + p);
    }
    const auto elapsed = Clock::now() - start;
    const auto after = world.stats();
    // Tokens the clock can have added while the queries ran: none unless they took 100 ms (less
    // a tick of the program's coarse clock).
    const uint64_t refill = static_cast<uint64_t>((elapsed + coarse_tick()) / std::chrono::milliseconds(1000 / rate));
    const uint64_t answered = moved(before, after, "answered_a");
    ASSERT_GE(answered, rate);
    ASSERT_LE(answered, rate + refill);
    const uint64_t over = queries - answered;
    EXPECT_EQ(moved(before, after, "answered_rrl_slip"), over / slip);
    EXPECT_EQ(moved(before, after, "dropped_rrl"), over - over / slip);
    EXPECT_EQ(moved(before, after, "packets_seen"), queries);
    EXPECT_TRUE(problems.empty()) << join_lines(problems);
    if (refill == 0) {  // the exact sequence
        for (uint32_t i = 0; i < queries; ++i) {
            const uint32_t want = i < rate ? XDP_TX : ((i - rate + 1) % slip == 0 ? XDP_TX : XDP_DROP);
            EXPECT_EQ(actions[i], want) << "query " << i;
        }
    }
}

TEST_F(XdpRrl, SlipZeroDropsEverythingOverAndSlipOneSlipsEverything) {
    world.configure(rrl_config(5, 0));
    auto before = world.stats();
    for (int i = 0; i < 25; ++i) world.run(from4("10.1.1.1").build());
    auto after = world.stats();
    EXPECT_EQ(moved(before, after, "answered_a"), 5u);
    EXPECT_EQ(moved(before, after, "dropped_rrl"), 20u);
    EXPECT_EQ(moved(before, after, "answered_rrl_slip"), 0u);

    world.configure(rrl_config(5, 1));
    before = world.stats();
    for (int i = 0; i < 25; ++i) {
        FrameBuilder q = from6("fd00:1::1");
        q.edns(Edns{}.dnssec_ok());
        const Bytes in = q.build();
        const XdpRunResult got = world.run(in);
        if (i < 5) continue;  // a new prefix: its bucket starts full
        const auto problems = check_slip(q, in, got);
        EXPECT_TRUE(problems.empty()) << i << ": " << join_lines(problems);
    }
    after = world.stats();
    EXPECT_EQ(moved(before, after, "answered_a"), 5u);
    EXPECT_EQ(moved(before, after, "answered_rrl_slip"), 20u);
    EXPECT_EQ(moved(before, after, "dropped_rrl"), 0u);
}

TEST_F(XdpRrl, AllowListedPrefixesAreNeverLimited) {
    RrlConfig rrl = rrl_config(2, 0);
    rrl.allow.push_back({AF_INET, {10, 9}, 16});
    RrlConfig::Prefix v6{AF_INET6, {}, 48};
    v6.addr[0] = 0xfd, v6.addr[1] = 0x00, v6.addr[2] = 0x00, v6.addr[3] = 0x09;
    rrl.allow.push_back(v6);
    world.configure(rrl);
    const auto before = world.stats();
    for (int i = 0; i < 50; ++i) {
        ASSERT_EQ(world.run(from4("10.9.3.4").build()).action, XDP_TX) << i;
        ASSERT_EQ(world.run(from6("fd00:9:0:77::1").build()).action, XDP_TX) << i;
    }
    // Just outside both: limited.
    for (int i = 0; i < 5; ++i) {
        world.run(from4("10.8.3.4").build());
        world.run(from6("fd00:a::1").build());
    }
    const auto after = world.stats();
    EXPECT_EQ(moved(before, after, "answered_a"), 100u + 2 + 2);
    EXPECT_EQ(moved(before, after, "dropped_rrl"), 6u);
}

TEST_F(XdpRrl, PrefixesHaveIndependentBuckets) {
    world.configure(rrl_config(5, 0));
    auto count = [&](const std::string& client, int n) {
        int answered = 0;
        for (int i = 0; i < n; ++i) answered += world.run(from4(client).build()).action == XDP_TX;
        return answered;
    };
    // Buckets are slots of an array picked by a keyed hash: with this instance's random seeds
    // two of these prefixes share one with probability about 3 / XGSLB_RRL_BUCKETS.
    ASSERT_NE(world.bucket_of("10.1.1.1"), world.bucket_of("10.1.2.1"));
    ASSERT_NE(world.bucket_of("10.1.1.1"), world.bucket_of("192.0.2.1"));
    ASSERT_NE(world.bucket_of("10.1.2.1"), world.bucket_of("192.0.2.1"));
    ASSERT_EQ(world.bucket_of("10.1.1.1"), world.bucket_of("10.1.1.200"));
    EXPECT_EQ(count("10.1.1.1", 20), 5);
    EXPECT_EQ(count("10.1.1.200", 5), 0);  // the same /24
    EXPECT_EQ(count("10.1.2.1", 20), 5);   // the next /24: its own bucket
    EXPECT_EQ(count("192.0.2.1", 20), 5);
}

// Two prefixes whose keyed hashes pick the same slot share its bucket: the limit gets
// stricter for both (one budget for two), never looser. Found by trying /24s until two collide
// (about 320 for 65536 slots).
TEST_F(XdpRrl, PrefixesSharingASlotShareOneBucket) {
    world.configure(rrl_config(5, 0));
    std::map<uint32_t, std::string> seen;
    std::string first, second;
    for (uint32_t n = 0; n < 65536 && second.empty(); ++n) {
        const std::string client = "10." + std::to_string(n >> 8) + "." + std::to_string(n & 0xff) + ".7";
        const auto [it, fresh] = seen.emplace(world.bucket_of(client), client);
        if (!fresh) first = it->second, second = client;
    }
    ASSERT_FALSE(second.empty()) << "no two of 65536 /24s share a slot";
    std::string other;  // a prefix in a slot of its own
    for (uint32_t n = 0; n < 256 && other.empty(); ++n) {
        const std::string client = "192.0." + std::to_string(n) + ".1";
        if (world.bucket_of(client) != world.bucket_of(first)) other = client;
    }
    auto count = [&](const std::string& client, int n) {
        int answered = 0;
        for (int i = 0; i < n; ++i) answered += world.run(from4(client).build()).action == XDP_TX;
        return answered;
    };
    EXPECT_EQ(count(first, 3), 3);
    EXPECT_EQ(count(second, 10), 2) << first << " and " << second << " share a bucket of 5";
    EXPECT_EQ(count(first, 5), 0);
    EXPECT_EQ(count(other, 10), 5) << other << " has its own bucket";
}

TEST_F(XdpRrl, Ipv6ClientsAreGroupedBySlash56) {
    world.configure(rrl_config(5, 0));
    auto count = [&](const std::string& client, int n) {
        int answered = 0;
        for (int i = 0; i < n; ++i) answered += world.run(from6(client).build()).action == XDP_TX;
        return answered;
    };
    EXPECT_EQ(count("2001:db8:0:1100::1", 20), 5);
    EXPECT_EQ(count("2001:db8:0:11ff:ffff::9", 5), 0);  // same first 56 bits
    EXPECT_EQ(count("2001:db8:0:1200::1", 20), 5);      // differs in bit 55
    RrlConfig wider = rrl_config(5, 0);
    wider.ipv6_prefix = 48;
    world.configure(wider);
    world.forget_clients();
    EXPECT_EQ(count("2001:db8:0:1100::1", 20), 5);
    EXPECT_EQ(count("2001:db8:0:1200::1", 5), 0);  // now in the same /48
}

// Exhaust a bucket of 20 per second (one token per 50 ms), sleep, ask again: a correct bucket
// answers floor(time since its first query / 50 ms) by then, which the test brackets with the
// clock read around the queries, widened by one tick of the program's coarse clock.
TEST_F(XdpRrl, BucketsRefillOverTime) {
    constexpr auto interval = std::chrono::milliseconds(50);
    world.configure(rrl_config(20, 0));
    const auto t_a = Clock::now();
    ASSERT_EQ(world.run(from4("10.1.1.1").build()).action, XDP_TX);
    const auto t_b = Clock::now();
    int first = 1;
    for (int i = 0; i < 40; ++i) first += world.run(from4("10.1.1.1").build()).action == XDP_TX;
    std::this_thread::sleep_for(std::chrono::milliseconds(220));
    const auto t_c = Clock::now();
    int second = 0;
    for (int i = 0; i < 40; ++i) second += world.run(from4("10.1.1.1").build()).action == XDP_TX;
    const auto t_d = Clock::now();
    const auto tick = coarse_tick();
    const int grown_min = static_cast<int>((t_c - t_b - tick) / interval);
    const int grown_max = static_cast<int>((t_d - t_a + tick) / interval) + 1;
    ASSERT_GE(first, 20);
    EXPECT_LE(first, 20 + static_cast<int>((Clock::now() - t_a + tick) / interval));
    // Answers in all, since the bucket's first query: 20 + the refill, bracketed.
    EXPECT_GE(first + second, 20 + std::min(grown_min, 20)) << "first " << first << " second " << second;
    EXPECT_LE(first + second, 20 + grown_max) << "first " << first << " second " << second;
    EXPECT_GE(second, 4);  // 220 ms less a tick is at least four tokens
    EXPECT_LT(second, 40);
}

// The program's clock is CLOCK_MONOTONIC_COARSE give or take a constant well under a burst
// (bpf/rrl_clock.h reads it from jiffies): a bucket set to the edge of its burst by this clock,
// as a program reading bpf_ktime_get_coarse_ns() would have left it before a restart, is
// refused just past the edge and answered just inside it. The margin, half the burst (500 ms),
// covers the constant (the time before the first tick at boot, 0.12 s here) and a tick; a clock
// on another origin (raw jiffies in ns) misses by months.
TEST_F(XdpRrl, ProgramClockIsTheCoarseMonotonicClock) {
    constexpr uint64_t margin_ns = 500'000'000;
    world.configure(rrl_config(10, 0));  // interval 100 ms, burst 1 s
    xgslb_rrl_config config{};
    const uint32_t zero = 0;
    ASSERT_EQ(bpf_map_lookup_elem(world.program().maps().rrl_config, &zero, &config), 0);
    ASSERT_GT(config.burst_ns, config.interval_ns + margin_ns);
    const uint32_t slot = world.bucket_of("10.1.1.1");
    // Answered iff tat + interval - now <= burst: with tat = coarse + burst - interval + offset
    // that is offset <= now - coarse.
    auto answered_with_tat_at = [&](int64_t offset_ns) {
        timespec ts{};
        EXPECT_EQ(clock_gettime(CLOCK_MONOTONIC_COARSE, &ts), 0);
        const uint64_t coarse = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
        const int cpus = libbpf_num_possible_cpus();
        std::vector<xgslb_rrl_bucket> buckets(static_cast<size_t>(cpus));
        for (auto& b : buckets) b.tat_ns = coarse + config.burst_ns - config.interval_ns + offset_ns;
        EXPECT_EQ(bpf_map_update_elem(world.program().maps().rrl, &slot, buckets.data(), BPF_ANY), 0);
        return world.run(from4("10.1.1.1").build()).action == XDP_TX;
    };
    EXPECT_TRUE(answered_with_tat_at(-static_cast<int64_t>(margin_ns))) << "the program's clock is behind by more than the margin";
    EXPECT_FALSE(answered_with_tat_at(static_cast<int64_t>(margin_ns))) << "the program's clock is ahead by more than the margin";
    world.forget_clients();
}

// The limit counts every standard query, also those XDP would pass to the slow path: the
// node's UDP responses are limited whichever path would send them.
TEST_F(XdpRrl, QueriesForTheSlowPathAreLimitedToo) {
    world.configure(rrl_config(2, 0));
    const auto before = world.stats();
    for (int i = 0; i < 2; ++i) ASSERT_EQ(world.run(query4("example.org", qtype::A).build()).action, XDP_PASS);
    EXPECT_EQ(world.run(query4("example.org", qtype::A).build()).action, XDP_DROP);
    EXPECT_EQ(world.run(query4("single.cloud.example.com", qtype::A).build()).action, XDP_DROP);
    const auto after = world.stats();
    EXPECT_EQ(moved(before, after, "pass_not_in_zone"), 2u);
    EXPECT_EQ(moved(before, after, "dropped_rrl"), 2u);
}

TEST_F(XdpRrl, ReflectionPortsAreDropped) {
    const uint16_t ports[] = {0, 7, 13, 17, 19, 37, 111, 123, 137, 138, 161, 162, 389, 520, 1434, 1900, 3283, 3702,
                              5353, 11211};
    const auto before = world.stats();
    for (uint16_t port : ports) {
        EXPECT_EQ(world.run(from4("10.1.1.1").udp_ports(port, 53).build()).action, XDP_DROP) << port;
        EXPECT_EQ(world.run(from6("fd00:1::1").udp_ports(port, 53).build()).action, XDP_DROP) << port;
    }
    for (uint16_t port : {53, 1024, 40000, 65535})
        EXPECT_EQ(world.run(from4("10.1.1.1").udp_ports(port, 53).build()).action, XDP_TX) << port;
    const auto after = world.stats();
    EXPECT_EQ(moved(before, after, "dropped_reflection"), 2 * std::size(ports));
    EXPECT_EQ(moved(before, after, "answered_a"), 4u);
}

TEST_F(XdpRrl, QueriesFromOurOwnAddressesAreDropped) {
    const auto before = world.stats();
    EXPECT_EQ(world.run(from4(kServerV4).build()).action, XDP_DROP);
    EXPECT_EQ(world.run(from6(kServerV6).build()).action, XDP_DROP);
    EXPECT_EQ(world.run(from4("10.77.0.3").build()).action, XDP_TX);  // a neighbour is fine
    const auto after = world.stats();
    EXPECT_EQ(moved(before, after, "dropped_reflection"), 2u);
}

// The own-address compare starts with the address's first word (bpf/reflection.h): a source
// that shares only that word with a listen address, in the other family, is not ours.
// 0a4d:0002:: begins with the words of 10.77.0.2; 253.119.0.0 is the first word of fd77::2.
TEST_F(XdpRrl, ASourceSharingOnlyTheFirstWordOfOurAddressIsAnswered) {
    const auto before = world.stats();
    EXPECT_EQ(world.run(from6("a4d:2::").build()).action, XDP_TX);
    EXPECT_EQ(world.run(from4("253.119.0.0").build()).action, XDP_TX);
    EXPECT_EQ(world.run(from6("fd77::3").build()).action, XDP_TX);  // our first word, not our address
    const auto after = world.stats();
    EXPECT_EQ(moved(before, after, "dropped_reflection"), 0u);
}

}  // namespace
}  // namespace xgslb::test
