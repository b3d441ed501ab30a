// Packet tests, truncation: valid queries cut at every octet offset must never be answered.
// Two ways of cutting: the frame itself (IP/UDP lengths then claim more than there is), and the
// DNS message alone with IP/UDP lengths and checksums made consistent with the cut, so the
// program's DNS parser meets every short message a well-formed datagram can carry.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cerrno>

#include "tests/bpf/packet_test_support.h"

namespace xgslb::test {
namespace {

struct TruncationCase {
    std::string name;
    FrameBuilder query;
};

std::vector<TruncationCase> truncation_cases() {
    return {
        {"v4_a_edns_do", query4("single.cloud.example.com", qtype::A).edns(Edns().dnssec_ok())},
        {"v4_a_four", query4("four.cloud.example.com", qtype::A)},
        {"v4_nxdomain", query4("nope.cloud.example.com", qtype::A).edns(Edns())},
        {"v4_nodata_ent", query4("y.cloud.example.com", qtype::MX)},
        {"v6_aaaa_qinq_edns", query6("v6.cloud.example.com", qtype::AAAA).vlan(10, 0x88a8).vlan(20).edns(Edns())},
        {"v4_name_255_edns", query4(long_name(), qtype::A).edns(Edns())},
    };
}

bool moved_answer_counter(const xgslb_stats& before, const xgslb_stats& after) {
    return after.answered_a != before.answered_a || after.answered_aaaa != before.answered_aaaa ||
           after.answered_nodata != before.answered_nodata || after.answered_nxdomain != before.answered_nxdomain;
}

// Runs one cut frame; returns a description of what went wrong, or "" when PASS/DROP as required.
std::string check_cut(const PacketWorld& world, const Bytes& cut) {
    const xgslb_stats before = world.stats();
    XdpRunResult got;
    const int err = try_run_xdp(world.program->prog_fd(), cut, got);
    if (cut.size() < 14) {
        // The kernel refuses frames shorter than an Ethernet header before the program runs.
        return err == -EINVAL ? "" : "frame shorter than Ethernet: expected EINVAL, got " + std::to_string(err);
    }
    if (err) return "BPF_PROG_TEST_RUN failed: " + std::to_string(err);
    const xgslb_stats after = world.stats();
    std::string problem;
    if (got.action != XDP_PASS && got.action != XDP_DROP)
        problem = xdp_action_name(got.action) + " (must be XDP_PASS or XDP_DROP), output " + hex(got.output);
    else if (got.action == XDP_PASS && got.output != cut)
        problem = "XDP_PASS with the frame changed: " + hex(got.output);
    if (moved_answer_counter(before, after)) problem += (problem.empty() ? "" : "; ") + std::string("an answered_* counter moved");
    return problem;
}

class XdpTruncationTest : public ::testing::TestWithParam<TruncationCase> {};

TEST_P(XdpTruncationTest, WholeQueryIsAnswered) {
    // The uncut query is answered, so the cuts below test the parser on the answering path.
    const FrameBuilder& q = GetParam().query;
    const XdpRunResult got = PacketWorld::get().run(q.build());
    EXPECT_EQ(xdp_action_name(got.action), xdp_action_name(XDP_TX));
}

TEST_P(XdpTruncationTest, FrameCutAtEveryOffsetIsNeverAnswered) {
    const PacketWorld& world = PacketWorld::get();
    const Bytes full = GetParam().query.build();
    std::vector<std::string> failures;
    for (size_t len = 0; len < full.size(); ++len) {
        const Bytes cut(full.begin(), full.begin() + static_cast<long>(len));
        if (auto problem = check_cut(world, cut); !problem.empty())
            failures.push_back("cut to " + std::to_string(len) + " of " + std::to_string(full.size()) + ": " + problem);
    }
    EXPECT_TRUE(failures.empty()) << "query " << hex(full) << join_lines(failures);
}

TEST_P(XdpTruncationTest, DnsMessageCutAtEveryOffsetIsNeverAnswered) {
    const PacketWorld& world = PacketWorld::get();
    const FrameBuilder& q = GetParam().query;
    const size_t dns_len = q.dns_message().size();
    std::vector<std::string> failures;
    for (size_t len = 0; len < dns_len; ++len) {
        FrameBuilder cut_query = q;
        const Bytes cut = cut_query.truncate_dns(len).build();
        if (auto problem = check_cut(world, cut); !problem.empty())
            failures.push_back("DNS message cut to " + std::to_string(len) + " of " + std::to_string(dns_len) + ": " +
                               problem);
    }
    EXPECT_TRUE(failures.empty()) << "query " << hex(q.build()) << join_lines(failures);
}

INSTANTIATE_TEST_SUITE_P(Packet, XdpTruncationTest, ::testing::ValuesIn(truncation_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace xgslb::test
