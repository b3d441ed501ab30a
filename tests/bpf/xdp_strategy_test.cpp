// Strategies applied per query, through BPF_PROG_TEST_RUN and through the slow path's Answerer,
// from the same published view (tests/fixtures/strategies.yaml, the records):
// round robin spread, weighted first-position frequency, weight 0 never first, GeoIP by ECS
// and by source address with the ECS scope echoed, the same through a MaxMind DB written here.
//
// Statistical bounds: each count is binomial(n, p) for a correct implementation; the accepted
// band is p*n ± 5 standard deviations (sqrt(n p (1-p))), which a correct implementation leaves
// with probability < 6e-7 (normal approximation; n p (1-p) >= 180 here), far below 0.001.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "maps/bpf_map_writer.h"
#include "strategies/geo_regions.h"
#include "tests/bpf/dns_frame_decoder.h"
#include "tests/bpf/mmdb_writer.h"
#include "tests/bpf/packet_test_support.h"
#include "userspace/dns_answerer.h"
#include "userspace/publisher.h"
#include "userspace/view_assembly.h"

namespace xgslb::test {
namespace {

constexpr const char* kStrategyFixture = "tests/fixtures/strategies.yaml";

// The program of this file, loaded once; publish() swaps the view (diffed, as the daemon does).
struct StrategyWorld {
    std::unique_ptr<XdpProgram> program;
    std::unique_ptr<BpfMapWriter> writer;
    std::unique_ptr<Publisher> publisher;
    std::shared_ptr<const ZoneView> view;
    Config config;

    static StrategyWorld& get() {
        static std::unique_ptr<StrategyWorld> w;
        if (!w) {
            auto n = std::make_unique<StrategyWorld>();
            n->config = load_config(kStrategyFixture);
            XdpProgram::Options options;
            options.instance = "strategy-test-" + std::to_string(getpid());
            options.pin = false;
            options.udp_payload_size = n->config.dns.udp_payload_size;
            n->program = std::make_unique<XdpProgram>(options);
            n->writer = std::make_unique<BpfMapWriter>(n->program->maps());
            n->publisher = std::make_unique<Publisher>(*n->writer);
            n->publish(load_geo_regions(n->config.geoip));
            w = std::move(n);
        }
        return *w;
    }

    void publish(std::shared_ptr<const GeoRegions> geo) {
        view = build_view(config, {}, {}, std::move(geo));
        const xgslb_settings s = program->settings();
        const uint64_t seed[2] = {s.hash_seed[0], s.hash_seed[1]};
        publisher->publish(build_map_contents(*view, seed));
    }
};

Bytes ecs_option(const std::string& addr, uint8_t source_len) {
    const IpAddr ip = parse_ip(addr);
    Bytes o;
    const size_t n = (source_len + 7u) / 8u;
    put16(o, 8);
    put16(o, static_cast<uint16_t>(4 + n));
    put16(o, 1);
    o.push_back(source_len);
    o.push_back(0);
    for (size_t i = 0; i < n; ++i) o.push_back(ip[i]);
    if (source_len % 8) o.back() &= static_cast<uint8_t>(0xff00u >> (source_len % 8));
    return o;
}

FrameBuilder a_query(const std::string& name, const std::string& source = kClientV4) {
    FrameBuilder f = query4(name, qtype::A);
    f.ipv4(source, kServerV4);
    return f;
}

struct Answer {
    uint32_t action = 0;
    std::vector<std::string> addresses;  // A records in order
    std::optional<Bytes> ecs;            // the ECS option echoed, if any
    Bytes message;
};

std::string dotted(const Bytes& rd) {
    return std::to_string(rd[0]) + "." + std::to_string(rd[1]) + "." + std::to_string(rd[2]) + "." + std::to_string(rd[3]);
}

Answer decode_message(const Bytes& msg) {
    DecodedFrame f;
    std::vector<std::string> errors;
    decode_dns_message(msg, f, errors);
    Answer a;
    a.message = msg;
    for (const auto& rr : f.answer)
        if (rr.type == qtype::A) a.addresses.push_back(dotted(rr.rdata));
    for (const auto& rr : f.additional)
        if (rr.opt && !rr.opt->options.empty()) a.ecs = rr.opt->options;
    return a;
}

Answer via_xdp(const FrameBuilder& q) {
    const XdpRunResult r = run_xdp(StrategyWorld::get().program->prog_fd(), q.build());
    if (r.action != 3 /* XDP_TX */) return Answer{r.action, {}, {}, {}};
    const DecodeResult d = decode_dns_frame(r.output);
    // Every header and both checksums, as the packet tests check them (a Geo answer's ECS
    // scope changes the UDP checksum).
    for (const auto& e : d.errors) ADD_FAILURE() << "decode: " << e;
    Answer a = decode_message(d.frame.dns_message);
    a.action = r.action;
    return a;
}

Answer via_slow_path(const FrameBuilder& q) {
    AnswererSettings settings;
    settings.udp_payload_size = StrategyWorld::get().config.dns.udp_payload_size;
    static const Answerer answerer(settings);
    QueryContext context;
    auto* sin = reinterpret_cast<sockaddr_in*>(&context.client);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, q.ip_src().data(), 4);
    const auto msg = answerer.answer(q.dns_message(), context, *StrategyWorld::get().view);
    Answer a = msg ? decode_message(*msg) : Answer{};
    a.action = 3;
    return a;
}

using Path = Answer (*)(const FrameBuilder&);
struct PathCase {
    const char* name;
    Path run;
};
class StrategyPaths : public ::testing::TestWithParam<PathCase> {};

// p*n ± 5 sigma.
void expect_binomial(size_t count, size_t n, double p, const std::string& what) {
    const double sd = std::sqrt(n * p * (1 - p));
    EXPECT_GE(static_cast<double>(count), n * p - 5 * sd) << what << ": " << count << " of " << n;
    EXPECT_LE(static_cast<double>(count), n * p + 5 * sd) << what << ": " << count << " of " << n;
}

std::multiset<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

TEST_P(StrategyPaths, RoundRobinPutsEachTargetFirstAboutEquallyOften) {
    const size_t n = 1200;
    std::map<std::string, size_t> first;
    const std::multiset<std::string> all{"10.0.0.1", "10.0.0.2", "10.1.0.1", "10.1.0.2"};
    for (size_t i = 0; i < n; ++i) {
        const Answer a = GetParam().run(a_query("rr.cloud.example.com"));
        ASSERT_EQ(a.action, 3u);
        ASSERT_EQ(as_set(a.addresses), all);
        ++first[a.addresses.front()];
    }
    ASSERT_EQ(first.size(), 4u);
    for (const auto& [addr, count] : first) expect_binomial(count, n, 0.25, addr + " first");
}

TEST_P(StrategyPaths, WeightsOneToFourPutUsFirstFourTimesInFive) {
    const size_t n = 2000;
    size_t us_first = 0;
    for (size_t i = 0; i < n; ++i) {
        const Answer a = GetParam().run(a_query("wrr.cloud.example.com"));
        ASSERT_EQ(a.action, 3u);
        ASSERT_EQ(a.addresses.size(), 4u);
        const bool us = a.addresses[0].rfind("10.1.", 0) == 0;
        us_first += us;
        // A group's records stay together, in published order.
        const std::vector<std::string> expected =
            us ? std::vector<std::string>{"10.1.0.1", "10.1.0.2", "10.0.0.1", "10.0.0.2"}
               : std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.1.0.1", "10.1.0.2"};
        ASSERT_EQ(a.addresses, expected);
    }
    expect_binomial(us_first, n, 0.8, "us first");
}

TEST_P(StrategyPaths, WeightZeroIsNeverFirstAndAlwaysLast) {
    const size_t n = 1000;
    size_t us_first = 0;
    for (size_t i = 0; i < n; ++i) {
        const Answer a = GetParam().run(a_query("wrr0.cloud.example.com"));
        ASSERT_EQ(a.action, 3u);
        ASSERT_EQ(a.addresses.size(), 3u);
        ASSERT_EQ(a.addresses.back(), "10.0.0.1");  // eu, weight 0
        us_first += a.addresses.front() == "10.1.0.1";
    }
    expect_binomial(us_first, n, 0.75, "us (weight 3 of 4) first");
}

// Three positive groups: the first drawn by weight, the others wrapping around in published
// order (eu, us, za), so only three orders exist, each as often as its first group's weight.
TEST_P(StrategyPaths, ThreeWeightedGroupsGiveOnlyRotationsInWeightProportion) {
    const size_t n = 2000;
    std::map<std::vector<std::string>, size_t> seen;
    for (size_t i = 0; i < n; ++i) {
        const Answer a = GetParam().run(a_query("wrr3.cloud.example.com"));
        ASSERT_EQ(a.action, 3u);
        ++seen[a.addresses];
    }
    const std::vector<std::string> eu{"10.0.0.1", "10.1.0.1", "10.2.0.1"}, us{"10.1.0.1", "10.2.0.1", "10.0.0.1"},
        za{"10.2.0.1", "10.0.0.1", "10.1.0.1"};
    ASSERT_EQ(seen.size(), 3u);
    expect_binomial(seen[eu], n, 1.0 / 8, "eu first");
    expect_binomial(seen[us], n, 2.0 / 8, "us first");
    expect_binomial(seen[za], n, 5.0 / 8, "za first");
}

TEST_P(StrategyPaths, FailoverAnswersThePrimary) {
    const Answer a = GetParam().run(a_query("fo.cloud.example.com"));
    EXPECT_EQ(a.addresses, std::vector<std::string>{"10.1.0.1"});
}

const std::multiset<std::string> kSite1{"192.200.1.5", "192.200.1.10"}, kSite2{"192.200.2.5", "192.200.2.10"},
    kAllGeo{"192.200.1.5", "192.200.1.10", "192.200.2.5", "192.200.2.10"};

Bytes echoed(const std::string& addr, uint8_t source, uint8_t scope) {
    Bytes o = ecs_option(addr, source);
    o[7] = scope;
    return o;
}

void check_geo(Path run) {
    struct Row {
        std::string client;
        uint8_t source;
        std::multiset<std::string> targets;
        uint8_t scope;
    };
    for (const Row& r : std::vector<Row>{{"192.200.1.50", 32, kSite1, 24},
                                         {"192.200.1.0", 24, kSite1, 24},
                                         {"192.200.2.30", 32, kSite2, 24},
                                         {"192.100.1.15", 32, kAllGeo, 32},
                                         {"192.100.1.0", 24, kAllGeo, 24},
                                         {"192.200.0.0", 16, kAllGeo, 16}}) {
        SCOPED_TRACE("ECS " + r.client + "/" + std::to_string(r.source));
        // The source address says another region: ECS wins.
        const Answer a =
            run(a_query("geo.cloud.example.com", "192.200.2.99").edns(Edns().with_options(ecs_option(r.client, r.source))));
        EXPECT_EQ(a.action, 3u);
        EXPECT_EQ(as_set(a.addresses), r.targets);
        EXPECT_EQ(a.ecs, echoed(r.client, r.source, r.scope));
    }
    for (const auto& [source, targets] : std::vector<std::pair<std::string, std::multiset<std::string>>>{
             {"192.200.1.50", kSite1}, {"192.200.2.30", kSite2}, {"192.100.1.15", kAllGeo}}) {
        SCOPED_TRACE("source " + source);
        const Answer a = run(a_query("geo.cloud.example.com", source));
        EXPECT_EQ(a.action, 3u);
        EXPECT_EQ(as_set(a.addresses), targets);
        EXPECT_FALSE(a.ecs);
    }
    // A name without geoip echoes the ECS option with scope 0.
    const Answer plain =
        run(a_query("plain.cloud.example.com").edns(Edns().with_options(ecs_option("192.200.1.50", 32))));
    EXPECT_EQ(plain.addresses, (std::vector<std::string>{"10.9.0.1", "10.9.0.2"}));
    EXPECT_EQ(plain.ecs, echoed("192.200.1.50", 32, 0));
}

TEST_P(StrategyPaths, GeoIpByClientSubnetAndBySource) { check_geo(GetParam().run); }

TEST_P(StrategyPaths, GeoIpFromAMaxMindDb) {
    char dir[] = "/tmp/xgslb-mmdb-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    const std::string path = std::string(dir) + "/regions.mmdb";
    write_test_mmdb(path, "datacenter",
                    {{parse_ip_prefix("192.200.1.0/24"), "site1"}, {parse_ip_prefix("192.200.2.0/24"), "site2"}});
    StrategyWorld& w = StrategyWorld::get();
    const auto geo = std::make_shared<const GeoRegions>(GeoRegions::from_mmdb(path, "datacenter"));
    EXPECT_EQ(geo->prefixes().size(), 2u);
    w.publish(geo);
    check_geo(GetParam().run);
    w.publish(load_geo_regions(w.config.geoip));
    std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Paths, StrategyPaths,
                         ::testing::Values(PathCase{"xdp", via_xdp}, PathCase{"slow_path", via_slow_path}),
                         [](const auto& info) { return std::string(info.param.name); });

// Where the order is fixed (Fixed, Geo, one-record sets), XDP's message is the slow path's, byte
// for byte; for Rotate/Weighted the same records.
TEST(StrategyXdpVsSlowPath, SameMessages) {
    for (const std::string name : {"geo.cloud.example.com", "fo.cloud.example.com", "plain.cloud.example.com"})
        for (const std::string source : {"192.200.1.50", "192.200.2.30", "192.100.1.15"}) {
            SCOPED_TRACE(name + " from " + source);
            const FrameBuilder q = a_query(name, source).edns(Edns().with_options(ecs_option(source, 24)));
            EXPECT_EQ(via_xdp(q).message, via_slow_path(q).message);
            const FrameBuilder plain = a_query(name, source);
            EXPECT_EQ(via_xdp(plain).message, via_slow_path(plain).message);
        }
    for (const std::string name : {"rr.cloud.example.com", "wrr.cloud.example.com", "wrr0.cloud.example.com"}) {
        const FrameBuilder q = a_query(name);
        EXPECT_EQ(as_set(via_xdp(q).addresses), as_set(via_slow_path(q).addresses)) << name;
        EXPECT_EQ(via_xdp(q).message.size(), via_slow_path(q).message.size()) << name;
    }
}

// Every A answer from a set counts once in answered_a and once in the strategy_* counter of the
// set's selection, the slow path's breakdown of XDP answers (xgslbctl stats); nothing else moves
// but packets_seen. Geo with ECS takes the general writer, the others the inline one.
TEST(StrategyCounters, EachAnswerCountsItsSetsSelectionOnce) {
    struct Row {
        const char* name;
        FrameBuilder query;
        const char* strategy;
    };
    const std::vector<Row> rows{
        {"plain", a_query("plain.cloud.example.com"), "strategy_fixed"},
        {"plain with EDNS", a_query("plain.cloud.example.com").edns(Edns{}), "strategy_fixed"},
        {"rr", a_query("rr.cloud.example.com"), "strategy_rotate"},
        {"wrr", a_query("wrr.cloud.example.com"), "strategy_weighted"},
        {"wrr0", a_query("wrr0.cloud.example.com"), "strategy_weighted"},
        {"geo", a_query("geo.cloud.example.com", "192.200.1.50"), "strategy_geo"},
        {"geo with ECS", a_query("geo.cloud.example.com").edns(Edns().with_options(ecs_option("192.200.2.30", 32))),
         "strategy_geo"},
    };
    const int stats_fd = StrategyWorld::get().program->maps().stats;
    for (const Row& r : rows) {
        SCOPED_TRACE(r.name);
        const xgslb_stats before = read_stats(stats_fd);
        const XdpRunResult run = run_xdp(StrategyWorld::get().program->prog_fd(), r.query.build());
        ASSERT_EQ(run.action, 3u);  // XDP_TX
        const xgslb_stats after = read_stats(stats_fd);
        std::map<std::string, uint64_t> moved;
#define XGSLB_TEST_MOVED(name) \
    if (after.name != before.name) moved[#name] = after.name - before.name;
        XGSLB_COUNTERS(XGSLB_TEST_MOVED)
#undef XGSLB_TEST_MOVED
        const std::map<std::string, uint64_t> want{{"packets_seen", 1}, {"answered_a", 1}, {r.strategy, 1}};
        EXPECT_EQ(moved, want);
    }
}

// ECS the program does not answer goes to the slow path untouched.
// The inline writer grows a frame at the head and leaves the client's ECS option in place, but
// at the tail when the frame has padding after the query (the length is then set exactly), and
// there it must copy the option back after our OPT: both ways give the same answer.
TEST(StrategyEcs, EchoedTheSameWhetherTheFrameGrowsAtTheHeadOrTheTail) {
    for (const auto& [client, scope] : std::vector<std::pair<std::string, uint8_t>>{
             {"192.200.1.50", 24}, {"192.200.2.30", 24}, {"192.100.1.15", 32}}) {
        SCOPED_TRACE("ECS " + client);
        const FrameBuilder q = a_query("geo.cloud.example.com").edns(Edns().with_options(ecs_option(client, 32)));
        const Answer head = via_xdp(q);
        const Answer tail = via_xdp(FrameBuilder(q).ethernet_padding(6));
        EXPECT_EQ(head.action, 3u);
        EXPECT_EQ(tail.action, 3u);
        EXPECT_EQ(as_set(tail.addresses), as_set(head.addresses));
        EXPECT_EQ(head.ecs, echoed(client, 32, scope));
        EXPECT_EQ(tail.ecs, echoed(client, 32, scope));
    }
}

TEST(StrategyEcs, MalformedOrCombinedOptionsArePassed) {
    Bytes nonzero_scope = ecs_option("192.200.1.0", 24);
    nonzero_scope[7] = 8;
    Bytes host_bits = ecs_option("192.200.1.0", 24);
    host_bits.back() = 1;
    host_bits[6] = 23;  // /23 with the 24th bit set
    Bytes cookie;
    put16(cookie, 10);
    put16(cookie, 8);
    for (int i = 0; i < 8; ++i) cookie.push_back(static_cast<uint8_t>(i));
    Bytes ecs_and_cookie = ecs_option("192.200.1.0", 24);
    ecs_and_cookie.insert(ecs_and_cookie.end(), cookie.begin(), cookie.end());
    for (const Bytes& options : {nonzero_scope, host_bits, cookie, ecs_and_cookie}) {
        const FrameBuilder q = a_query("geo.cloud.example.com").edns(Edns().with_options(options));
        const XdpRunResult r = run_xdp(StrategyWorld::get().program->prog_fd(), q.build());
        EXPECT_EQ(r.action, 2u) << hex(options);  // XDP_PASS
    }
}

}  // namespace
}  // namespace xgslb::test
