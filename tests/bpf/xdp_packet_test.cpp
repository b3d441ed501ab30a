// Packet tests, answers: queries the XDP program must answer itself (XDP_TX), each checked
// header by header against tests/fixtures/packet_tests.yaml. Passes are in
// xdp_packet_pass_test.cpp, truncation loops in xdp_packet_truncation_test.cpp.
#include <gtest/gtest.h>

#include "tests/bpf/packet_test_support.h"

namespace xgslb::test {
namespace {

const std::string kZone = "cloud.example.com";

std::vector<std::string> four_a() {
    std::vector<std::string> out;
    for (int i = 10; i <= 13; ++i) out.push_back(rr_a("four.cloud.example.com", 60, "172.18.0." + std::to_string(i)));
    return out;
}

std::vector<std::string> three_a() {
    std::vector<std::string> out;
    for (int i = 40; i <= 42; ++i) out.push_back(rr_a("three.cloud.example.com", 40, "172.18.0." + std::to_string(i)));
    return out;
}

// 2001:db8::<last> for each of `lasts` (hex digits as written in the fixture).
std::vector<std::string> v6_set(std::string_view owner, uint32_t ttl, std::initializer_list<int> lasts) {
    std::vector<std::string> out;
    char buf[32];
    for (int last : lasts) {
        snprintf(buf, sizeof buf, "2001:db8::%x", last);
        out.push_back(rr_aaaa(owner, ttl, buf));
    }
    return out;
}

std::vector<std::string> big_aaaa(std::string_view owner) {
    std::vector<std::string> out;
    char buf[32];
    for (int i = 1; i <= 32; ++i) {
        snprintf(buf, sizeof buf, "2001:db8:1::%x", i);
        out.push_back(rr_aaaa(owner, 30, buf));
    }
    return out;
}

// Size of the answer to big.cloud.example.com AAAA with an OPT: header, question, 32 records, OPT.
constexpr uint16_t kBigAnswerWithOpt = 12 + (23 + 4) + 32 * 28 + 11;

std::vector<PacketCase> answer_cases() {
    const uint16_t ours = fixture_config().dns.udp_payload_size;
    const auto opt = [&](bool do_bit) { return std::vector<std::string>{rr_opt(ours, do_bit)}; };
    const std::string single = rr_a("single.cloud.example.com", 30, "172.18.0.3");
    const std::string v6 = rr_aaaa("v6.cloud.example.com", 45, "2001:db8::3");
    const std::string mixed = mixed_case("single.cloud.example.com");

    std::vector<PacketCase> t = {
        {"a_one_record", query4("single.cloud.example.com", qtype::A), answered("answered_a", {single})},
        {"a_four_records", query4("four.cloud.example.com", qtype::A), answered("answered_a", four_a())},
        {"a_rd_clear_cd_set_id_copied", query4("single.cloud.example.com", qtype::A).rd(false).cd().id(0xfedc),
         answered("answered_a", {single})},
        {"a_dual_stack_name", query4("dual.cloud.example.com", qtype::A),
         answered("answered_a", {rr_a("dual.cloud.example.com", 20, "172.18.0.20"),
                                 rr_a("dual.cloud.example.com", 20, "172.18.0.21")})},
        {"aaaa_one_record", query4("v6.cloud.example.com", qtype::AAAA), answered("answered_aaaa", {v6})},
        {"aaaa_dual_stack_name", query4("dual.cloud.example.com", qtype::AAAA),
         answered("answered_aaaa", {rr_aaaa("dual.cloud.example.com", 20, "2001:db8::20")})},
        {"a_at_name_with_other_types", query4("txt.cloud.example.com", qtype::A),
         answered("answered_a", {rr_a("txt.cloud.example.com", 30, "172.18.0.40")})},
        {"a_0x20_mixed_case", query4(mixed, qtype::A),
         answered("answered_a", {single})},
        {"a_0x20_four_records", query4("fOuR.ClOuD.ExAmPlE.CoM", qtype::A), answered("answered_a", four_a())},

        // Negative answers: the zone's SOA, TTL min(SOA TTL, negativeTtl).
        {"nodata_mx_at_a_name", query4("single.cloud.example.com", qtype::MX),
         negative("answered_nodata", 0, kZone)},
        {"nodata_txt_at_a_name", query4("four.cloud.example.com", qtype::TXT), negative("answered_nodata", 0, kZone)},
        {"nodata_aaaa_at_a_only_name", query4("single.cloud.example.com", qtype::AAAA),
         negative("answered_nodata", 0, kZone)},
        {"nodata_a_at_aaaa_only_name", query4("v6.cloud.example.com", qtype::A), negative("answered_nodata", 0, kZone)},
        {"nodata_empty_non_terminal_a", query4("y.cloud.example.com", qtype::A),
         negative("answered_nodata", 0, kZone)},
        {"nodata_empty_non_terminal_mx", query4("y.cloud.example.com", qtype::MX),
         negative("answered_nodata", 0, kZone)},
        {"nodata_apex_a", query4("cloud.example.com", qtype::A), negative("answered_nodata", 0, kZone)},
        {"nodata_apex_aaaa_mixed_case", query4("CLOUD.example.COM", qtype::AAAA),
         negative("answered_nodata", 0, kZone)},
        {"nodata_soa_ttl_below_negative_ttl", query4("host.short-soa.example.net", qtype::MX),
         negative("answered_nodata", 0, "short-soa.example.net")},
        {"nxdomain_under_apex", query4("nope.cloud.example.com", qtype::A), negative("answered_nxdomain", 3, kZone)},
        {"nxdomain_aaaa", query4("nope.cloud.example.com", qtype::AAAA), negative("answered_nxdomain", 3, kZone)},
        {"nxdomain_mx", query4("nope.cloud.example.com", qtype::MX), negative("answered_nxdomain", 3, kZone)},
        {"nxdomain_below_existing_name", query4("z.single.cloud.example.com", qtype::A),
         negative("answered_nxdomain", 3, kZone)},
        {"nxdomain_below_empty_non_terminal", query4("q.y.cloud.example.com", qtype::A),
         negative("answered_nxdomain", 3, kZone)},
        {"nxdomain_0x20_mixed_case", query4("NoPe.ClOuD.eXaMpLe.CoM", qtype::A),
         negative("answered_nxdomain", 3, kZone)},
        // Case folding is ASCII only (RFC 4343): 0xd3 is not 'S' with another case.
        {"nxdomain_high_bit_not_case_folded", query4("\\211ingle.cloud.example.com", qtype::A),
         negative("answered_nxdomain", 3, kZone)},
        {"nxdomain_eight_labels_below_apex", query4("a.b.c.d.e.f.g.h.cloud.example.com", qtype::A),
         negative("answered_nxdomain", 3, kZone)},
        {"nxdomain_soa_ttl_below_negative_ttl", query4("nope.short-soa.example.net", qtype::A),
         negative("answered_nxdomain", 3, "short-soa.example.net")},
        // SOAs of 128 octets (stored inline), 129 and 270 (stored by the helper).
        {"nodata_soa_128_octets", query4("soa128.example.net", qtype::A).edns(Edns()),
         negative("answered_nodata", 0, "soa128.example.net", opt(false))},
        {"nxdomain_soa_128_octets", query4("nope.soa128.example.net", qtype::A),
         negative("answered_nxdomain", 3, "soa128.example.net")},
        {"nodata_soa_129_octets", query4("soa129.example.net", qtype::AAAA).edns(Edns()),
         negative("answered_nodata", 0, "soa129.example.net", opt(false))},
        {"nxdomain_soa_129_octets", query4("nope.soa129.example.net", qtype::A),
         negative("answered_nxdomain", 3, "soa129.example.net")},
        {"nxdomain_soa_270_octets", query4("nope.soa-long.example.net", qtype::A).edns(Edns().dnssec_ok()),
         negative("answered_nxdomain", 3, "soa-long.example.net", opt(true))},

        // EDNS: our OPT in the additional section, DO echoed, version 0, no options.
        {"edns_no_do", query4("single.cloud.example.com", qtype::A).edns(Edns().size(4096)),
         answered("answered_a", {single}, opt(false))},
        {"edns_do", query4("single.cloud.example.com", qtype::A).edns(Edns().size(4096).dnssec_ok()),
         answered("answered_a", {single}, opt(true))},
        {"edns_do_cd_aaaa", query4("v6.cloud.example.com", qtype::AAAA).cd().edns(Edns().size(1232).dnssec_ok()),
         answered("answered_aaaa", {v6}, opt(true))},
        {"edns_small_payload_treated_as_512", query4("four.cloud.example.com", qtype::A).edns(Edns().size(100)),
         answered("answered_a", four_a(), opt(false))},
        {"edns_unknown_flag_not_echoed", query4("single.cloud.example.com", qtype::A).edns(Edns().with_z(0x0001)),
         answered("answered_a", {single}, opt(false))},
        {"edns_nodata", query4("single.cloud.example.com", qtype::MX).edns(Edns().dnssec_ok()),
         negative("answered_nodata", 0, kZone, opt(true))},
        {"edns_nxdomain", query4("nope.cloud.example.com", qtype::AAAA).edns(Edns()),
         negative("answered_nxdomain", 3, kZone, opt(false))},

        // Header bits a query may carry that an authoritative answer without DNSSEC clears.
        {"query_ad_ra_set", query4("single.cloud.example.com", qtype::A).ad().ra(), answered("answered_a", {single})},

        // A zone with a wildcard: existing names are still answered.
        {"wildcard_zone_existing_name", query4("www.wild.example.net", qtype::A),
         answered("answered_a", {rr_a("www.wild.example.net", 30, "172.18.2.2")})},
        {"wildcard_zone_nodata", query4("www.wild.example.net", qtype::MX),
         negative("answered_nodata", 0, "wild.example.net")},

        // Framing: VLAN tags kept, IPv6, zero UDP checksum over IPv4.
        {"vlan_one_tag", query4("single.cloud.example.com", qtype::A).vlan(100), answered("answered_a", {single})},
        {"vlan_one_tag_8021ad", query4("single.cloud.example.com", qtype::A).vlan(100, 0x88a8),
         answered("answered_a", {single})},
        {"vlan_two_tags_qinq", query4("single.cloud.example.com", qtype::A).vlan(10, 0x88a8).vlan(20),
         answered("answered_a", {single})},
        {"vlan_two_tags_nxdomain_edns", query4("nope.cloud.example.com", qtype::A).vlan(7, 0x88a8).vlan(4094).edns(Edns()),
         negative("answered_nxdomain", 3, kZone, opt(false))},
        {"ipv6_a", query6("single.cloud.example.com", qtype::A), answered("answered_a", {single})},
        {"ipv6_aaaa_edns_do", query6("v6.cloud.example.com", qtype::AAAA).edns(Edns().dnssec_ok()),
         answered("answered_aaaa", {v6}, opt(true))},
        {"ipv6_vlan_nodata", query6("y.cloud.example.com", qtype::AAAA).vlan(300),
         negative("answered_nodata", 0, kZone)},
        {"ipv6_nxdomain", query6("nope.cloud.example.com", qtype::A), negative("answered_nxdomain", 3, kZone)},
        {"ipv4_udp_checksum_zero", query4("single.cloud.example.com", qtype::A).udp_checksum_zero(),
         answered("answered_a", {single})},
        {"ipv4_ttl_one", query4("single.cloud.example.com", qtype::A).ttl(1), answered("answered_a", {single})},
        // Ethernet padding after the IP packet (NICs pad short frames to 60 octets): passing is
        // fine, but an answer must not carry the padding along.
        {"ipv4_ethernet_padding", query4("single.cloud.example.com", qtype::A).ethernet_padding(6),
         or_pass(answered("answered_a", {single}), {"pass_malformed"})},
        {"ipv6_ethernet_padding", query6("single.cloud.example.com", qtype::A).ethernet_padding(6),
         or_pass(answered("answered_a", {single}), {"pass_malformed"})},

        // The lean writer (bpf/records_response.h: Ethernet + IPv4 or IPv6 without VLAN, no
        // EDNS or EDNS without options, 1-4 A or AAAA records from the express table): lengths
        // and layouts it has instances for, and what it must refuse (padding) or keep (a zero
        // checksum, RD clear with CD set, DO).
        {"lean_ipv4_three_a_do", query4("three.cloud.example.com", qtype::A).edns(Edns().dnssec_ok()),
         answered("answered_a", three_a(), opt(true))},
        {"lean_ipv4_two_aaaa_cd", query4("v6pair.cloud.example.com", qtype::AAAA).rd(false).cd().edns(Edns()),
         answered("answered_aaaa", v6_set("v6pair.cloud.example.com", 41, {0x41, 0x42}), opt(false))},
        {"lean_ipv4_three_aaaa", query4("v6three.cloud.example.com", qtype::AAAA).edns(Edns().size(1232)),
         answered("answered_aaaa", v6_set("v6three.cloud.example.com", 42, {0x51, 0x52, 0x53}), opt(false))},
        {"lean_ipv6_four_a_do_cd", query6("fOuR.cloud.example.com", qtype::A).cd().edns(Edns().dnssec_ok()),
         answered("answered_a", four_a(), opt(true))},
        {"lean_ipv6_four_aaaa", query6("v6four.cloud.example.com", qtype::AAAA).edns(Edns()),
         answered("answered_aaaa", v6_set("v6four.cloud.example.com", 43, {0x61, 0x62, 0x63, 0x64}), opt(false))},
        {"lean_ipv4_three_a_no_edns", query4("three.cloud.example.com", qtype::A).rd(false),
         answered("answered_a", three_a())},
        {"lean_ipv6_four_aaaa_no_edns_cd", query6("V6FOUR.cloud.example.com", qtype::AAAA).cd(),
         answered("answered_aaaa", v6_set("v6four.cloud.example.com", 43, {0x61, 0x62, 0x63, 0x64}))},
        {"lean_ipv4_udp_checksum_zero", query4("four.cloud.example.com", qtype::A).udp_checksum_zero().edns(Edns()),
         answered("answered_a", four_a(), opt(false))},
        {"lean_ipv4_ethernet_padding", query4("four.cloud.example.com", qtype::A).edns(Edns()).ethernet_padding(6),
         or_pass(answered("answered_a", four_a(), opt(false)), {"pass_malformed"})},
        {"lean_ipv6_ethernet_padding", query6("v6.cloud.example.com", qtype::AAAA).edns(Edns()).ethernet_padding(6),
         or_pass(answered("answered_aaaa", {v6}, opt(false)), {"pass_malformed"})},

        // Names at the length limit.
        {"name_255_octets", query4(long_name(), qtype::A),
         answered("answered_a", {rr_a(long_name(), 30, "172.18.0.255")})},
        {"name_255_octets_mixed_case_edns", query4(mixed_case(long_name()), qtype::A).edns(Edns()),
         answered("answered_a", {rr_a(long_name(), 30, "172.18.0.255")}, opt(false))},
        {"name_255_octets_nxdomain", query4(long_name('e'), qtype::A), negative("answered_nxdomain", 3, kZone)},

        // Size limits: 946 octets of answer fit any EDNS size from 946 up, never 512.
        {"large_fits_edns_4096", query4("big.cloud.example.com", qtype::AAAA).edns(Edns().size(4096)),
         answered("answered_aaaa", big_aaaa("big.cloud.example.com"), opt(false))},
        {"large_fits_edns_exactly", query4("big.cloud.example.com", qtype::AAAA).edns(Edns().size(kBigAnswerWithOpt)),
         answered("answered_aaaa", big_aaaa("big.cloud.example.com"), opt(false))},
        {"large_fits_ipv6_vlan", query6("big.cloud.example.com", qtype::AAAA).vlan(5).edns(Edns().size(1232)),
         answered("answered_aaaa", big_aaaa("big.cloud.example.com"), opt(false))},
    };
    return t;
}

class XdpAnswerTest : public ::testing::TestWithParam<PacketCase> {};

TEST_P(XdpAnswerTest, Answers) {
    const auto differences = run_case(GetParam());
    EXPECT_TRUE(differences.empty()) << "query " << hex(GetParam().query.build()) << join_lines(differences);
}

INSTANTIATE_TEST_SUITE_P(Packet, XdpAnswerTest, ::testing::ValuesIn(answer_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace xgslb::test
