// Packet tests, passes: everything the XDP program must leave to the kernel stack (the slow
// path answers it, FORMERR included), untouched, with the counter of the reason incremented.
#include <gtest/gtest.h>

#include "maps/bpf_map_writer.h"
#include "tests/bpf/packet_test_support.h"
#include "userspace/map_contents.h"

namespace xgslb::test {

namespace {

const std::string kSingle = "single.cloud.example.com";

Bytes a_record_at_question() {  // an A record owned by the question name, for wrong sections
    Bytes rr{0xc0, 12};
    put16(rr, 1);
    put16(rr, 1);
    put32(rr, 30);
    put16(rr, 4);
    rr.insert(rr.end(), {192, 0, 2, 1});
    return rr;
}

std::vector<PacketCase> pass_cases() {
    const Bytes zone_wire = name_to_wire("cloud.example.com");
    const Bytes cookie = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};  // EDNS client cookie (RFC 7873)
    // The 255-octet name with its last label one octet longer: 256 octets.
    const Bytes name_256 = concat({label_of(63, 'a'), label_of(63, 'b'), label_of(63, 'c'), label_of(44, 'd'), zone_wire});
    const Bytes label_64 = concat({label_of(64, 'a'), zone_wire});
    const Bytes pointer_only = {0xc0, 12};
    const Bytes label_then_pointer = concat({label_of(6, 's'), {0xc0, 12}});
    const Bytes extended_label = concat({{0x41, 's'}, zone_wire});  // 0b01 label type (RFC 6891 obsolete)
    std::string deep = "cloud.example.com";
    for (int i = 0; i < 12; ++i) deep = "l" + std::to_string(i) + "." + deep;

    std::vector<PacketCase> t = {
        // Not for us, or not a plain IPv4/IPv6 UDP datagram.
        {"not_listen_address_v4", query4(kSingle, qtype::A).ipv4(kClientV4, "10.77.0.3"), pass({"pass_not_listen"})},
        {"not_listen_port", query4(kSingle, qtype::A).udp_ports(40053, 5353), pass({"pass_not_listen"})},
        {"not_listen_address_v6", query6(kSingle, qtype::A).ipv6(kClientV6, "fd77::3"), pass({"pass_not_listen"})},
        {"not_ip_arp_ethertype", query4(kSingle, qtype::A).ethertype(0x0806), pass({"pass_not_ip"})},
        {"vlan_three_tags", query4(kSingle, qtype::A).vlan(1, 0x88a8).vlan(2).vlan(3), pass({"pass_not_ip"})},
        {"not_udp_v4_tcp", query4(kSingle, qtype::A).ip_protocol(6), pass({"pass_not_udp"})},
        {"not_udp_v6_tcp", query6(kSingle, qtype::A).ip_protocol(6), pass({"pass_not_udp"})},
        {"ipv4_fragment_first", query4(kSingle, qtype::A).ipv4_fragment(0, true), pass({"pass_ip_unsupported"})},
        {"ipv4_fragment_later", query4(kSingle, qtype::A).ipv4_fragment(1, false), pass({"pass_ip_unsupported"})},
        {"ipv4_options", query4(kSingle, qtype::A).ipv4_options({1, 1, 1, 1}), pass({"pass_ip_unsupported"})},
        {"ipv6_hop_by_hop_header", query6(kSingle, qtype::A).ipv6_extension_header(0), pass({"pass_ip_unsupported"})},
        {"ipv6_destination_options_header", query6(kSingle, qtype::A).ipv6_extension_header(60),
         pass({"pass_ip_unsupported"})},
        {"ipv6_udp_checksum_zero", query6(kSingle, qtype::A).udp_checksum_zero(), pass({"pass_malformed"})},
        {"udp_length_beyond_ip_payload", query4(kSingle, qtype::A).udp_length(8 + 60), pass({"pass_malformed"})},
        {"udp_length_below_8", query4(kSingle, qtype::A).udp_length(7), pass({"pass_malformed"})},
        {"udp_length_cuts_question", query4(kSingle, qtype::A).udp_length(8 + 12 + 10),
         pass({"pass_malformed", "pass_bad_name"})},
        {"ipv6_udp_length_beyond_payload", query6(kSingle, qtype::A).udp_length(200), pass({"pass_malformed"})},

        // Not a standard query.
        {"qr_set", query4(kSingle, qtype::A).qr(), pass({"pass_not_query"})},
        {"opcode_iquery", query4(kSingle, qtype::A).opcode(1), pass({"pass_not_query"})},
        {"opcode_status", query4(kSingle, qtype::A).opcode(2), pass({"pass_not_query"})},
        {"opcode_notify", query4(kSingle, qtype::A).opcode(4), pass({"pass_not_query"})},
        {"opcode_update", query4(kSingle, qtype::A).opcode(5), pass({"pass_not_query"})},
        {"qdcount_0", query4(kSingle, qtype::A).no_question(), pass({"pass_counts"})},
        {"qdcount_0_question_present", query4(kSingle, qtype::A).counts(0, 0, 0, 0), pass({"pass_counts"})},
        {"qdcount_2", query4(kSingle, qtype::A).add_question(name_to_wire("four.cloud.example.com"), qtype::A),
         pass({"pass_counts"})},
        {"ancount_1", query4(kSingle, qtype::A).record(Section::answer, a_record_at_question()), pass({"pass_counts"})},
        {"nscount_1_opt_in_authority", query4(kSingle, qtype::A).record(Section::authority, FrameBuilder::opt_record(Edns())),
         pass({"pass_counts"})},
        {"arcount_2_two_opts", query4(kSingle, qtype::A).record(Section::additional, FrameBuilder::opt_record(Edns())).edns(Edns()),
         pass({"pass_counts"})},
        {"additional_not_opt", query4(kSingle, qtype::A).record(Section::additional, a_record_at_question()),
         pass({"pass_edns"})},
        {"arcount_1_nothing_there", query4(kSingle, qtype::A).counts(1, 0, 0, 1),
         pass({"pass_edns", "pass_malformed"})},
        {"edns_with_options", query4(kSingle, qtype::A).edns(Edns().with_options(cookie)), pass({"pass_edns"})},
        {"edns_version_1", query4(kSingle, qtype::A).edns(Edns().with_version(1)), pass({"pass_edns"})},
        {"qclass_ch", query4(kSingle, qtype::A).qclass(3), pass({"pass_qclass"})},
        {"qclass_any", query4(kSingle, qtype::A).qclass(255), pass({"pass_qclass"})},
        {"qtype_any", query4(kSingle, qtype::ANY), pass({"pass_qtype"})},
        {"qtype_axfr", query4("cloud.example.com", qtype::AXFR), pass({"pass_qtype"})},
        {"qtype_ixfr", query4("cloud.example.com", qtype::IXFR), pass({"pass_qtype"})},
        {"qtype_ds", query4(kSingle, qtype::DS), pass({"pass_qtype"})},

        // Malformed question names and messages.
        {"name_256_octets", query4(kSingle, qtype::A).qname_wire(name_256), pass({"pass_bad_name"})},
        {"name_label_64_octets", query4(kSingle, qtype::A).qname_wire(label_64), pass({"pass_bad_name"})},
        {"name_compression_pointer", query4(kSingle, qtype::A).qname_wire(pointer_only), pass({"pass_bad_name"})},
        {"name_label_then_pointer", query4(kSingle, qtype::A).qname_wire(label_then_pointer), pass({"pass_bad_name"})},
        {"name_extended_label_type", query4(kSingle, qtype::A).qname_wire(extended_label), pass({"pass_bad_name"})},
        {"trailing_garbage_after_question", query4(kSingle, qtype::A).trailing({0x00}), pass({"pass_trailing_data"})},
        {"trailing_garbage_after_opt", query4(kSingle, qtype::A).edns(Edns()).trailing({1, 2, 3, 4}),
         pass({"pass_trailing_data"})},

        // Names and types the slow path answers.
        {"apex_soa", query4("cloud.example.com", qtype::SOA), pass({"pass_name_flags"})},
        {"apex_ns", query4("cloud.example.com", qtype::NS), pass({"pass_name_flags"})},
        {"apex_mx", query4("cloud.example.com", qtype::MX), pass({"pass_name_flags"})},
        {"txt_at_name_with_txt", query4("txt.cloud.example.com", qtype::TXT), pass({"pass_name_flags"})},
        {"cname_a", query4("alias.cloud.example.com", qtype::A), pass({"pass_name_flags"})},
        {"delegation_point", query4("sub.cloud.example.com", qtype::A), pass({"pass_name_flags"})},
        {"below_delegation", query4("www.sub.cloud.example.com", qtype::AAAA), pass({"pass_name_flags"})},
        {"out_of_zone", query4("www.example.org", qtype::A), pass({"pass_not_in_zone"})},
        {"parent_of_zone", query4("example.com", qtype::A), pass({"pass_not_in_zone"})},
        {"root_name", query4(".", qtype::A), pass({"pass_not_in_zone"})},
        {"too_deep_to_walk", query4(deep, qtype::A), pass({"pass_not_in_zone"})},
        {"wildcard_zone_missing_name", query4("nope.wild.example.net", qtype::A), pass({"pass_wildcard_zone"})},

        // Too large for the client: 946 octets against 512 (no EDNS, or EDNS 512) and 945.
        {"large_no_edns", query4("big.cloud.example.com", qtype::AAAA), pass({"pass_too_large"})},
        {"large_edns_512", query4("big.cloud.example.com", qtype::AAAA).edns(Edns().size(512)), pass({"pass_too_large"})},
        {"large_edns_one_short", query4("big.cloud.example.com", qtype::AAAA).edns(Edns().size(12 + 27 + 32 * 28 + 11 - 1)),
         pass({"pass_too_large"})},
        {"large_ipv6_no_edns", query6("big.cloud.example.com", qtype::AAAA), pass({"pass_too_large"})},
    };
    return t;
}

class XdpPassTest : public ::testing::TestWithParam<PacketCase> {};

TEST_P(XdpPassTest, Passes) {
    const auto differences = run_case(GetParam());
    EXPECT_TRUE(differences.empty()) << "query " << hex(GetParam().query.build()) << join_lines(differences);
}

INSTANTIATE_TEST_SUITE_P(Packet, XdpPassTest, ::testing::ValuesIn(pass_cases()),
                         [](const auto& info) { return info.param.name; });

// A name whose 64-bit map key equals another name's must be passed, never answered with the
// other name's data. A real collision cannot be found, so one is planted: entries for
// collide.cloud.example.com copied from single.cloud.example.com with the check half changed.
TEST(XdpHashCheck, FirstHalfCollisionIsPassed) {
    PacketWorld& world = PacketWorld::get();
    const xgslb_settings settings = world.program->settings();
    const uint64_t seed[2] = {settings.hash_seed[0], settings.hash_seed[1]};
    const MapContents contents = build_map_contents(*world.view, seed);
    const xgslb_name_hash single = hash_wire_name(name_to_wire(kSingle), seed);
    const xgslb_name_hash collide = hash_wire_name(name_to_wire("collide.cloud.example.com"), seed);

    const xgslb_name_key single_name{single.hash}, planted_name{collide.hash};
    xgslb_rrset_key single_rrset{}, planted_rrset{};
    single_rrset.name_hash = single.hash;
    single_rrset.qtype = qtype::A;
    planted_rrset.name_hash = collide.hash;
    planted_rrset.qtype = qtype::A;
    ASSERT_TRUE(contents.names.count(single_name));
    ASSERT_TRUE(contents.rrsets.count(single_rrset));
    xgslb_name name = contents.names.at(single_name);
    xgslb_rrset rrset = contents.rrsets.at(single_rrset);
    name.check = collide.check ^ 1;
    rrset.check = collide.check ^ 1;

    BpfMapWriter writer(world.program->maps());
    writer.put_name(planted_name, name);
    writer.put_rrset(planted_rrset, rrset);
    const auto a = run_case({"collision_a", query4("collide.cloud.example.com", qtype::A), pass({"pass_hash_check"})});
    const auto mx = run_case({"collision_mx", query4("collide.cloud.example.com", qtype::MX), pass({"pass_hash_check"})});
    const auto below = run_case({"collision_below", query4("x.collide.cloud.example.com", qtype::A),
                                 pass({"pass_hash_check"})});
    writer.erase_rrset(planted_rrset);
    writer.erase_name(planted_name);
    EXPECT_TRUE(a.empty()) << "A query" << join_lines(a);
    EXPECT_TRUE(mx.empty()) << "MX query" << join_lines(mx);
    EXPECT_TRUE(below.empty()) << "A query below the colliding name" << join_lines(below);
}

}  // namespace
}  // namespace xgslb::test
