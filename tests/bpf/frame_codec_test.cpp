// The builder and the decoder checked against each other and against hand-made bytes, so a
// packet test failure points at the XDP program, not at the test tools. Needs no BPF.
#include <gtest/gtest.h>

#include "tests/bpf/dns_frame_decoder.h"
#include "tests/bpf/frame_builder.h"

namespace xgslb::test {
namespace {

TEST(FrameBuilder, Ipv4QueryDecodesWithValidChecksums) {
    auto b = FrameBuilder().ipv4("10.77.0.1", "10.77.0.2").udp_ports(40000, 53).id(0xbeef).rd().cd()
                 .qname("WwW.Cloud.example.COM").qtype(28).edns(Edns().size(4096).dnssec_ok());
    auto frame = b.build();
    ASSERT_EQ(frame.size(), 14u + 20 + 8 + 12 + 23 + 4 + 11);
    auto r = decode_dns_frame(frame);
    ASSERT_TRUE(r.ok()) << ::testing::PrintToString(r.errors);
    const auto& f = r.frame;
    EXPECT_EQ(f.ip_version, 4);
    EXPECT_EQ(ip_to_string(f.ip_dst, 4), "10.77.0.2");
    EXPECT_EQ(f.udp_dst_port, 53);
    EXPECT_NE(f.udp_checksum, 0);
    EXPECT_EQ(f.dns.id, 0xbeef);
    EXPECT_TRUE(f.dns.rd);
    EXPECT_TRUE(f.dns.cd);
    EXPECT_FALSE(f.dns.qr);
    EXPECT_EQ(f.qname, "www.cloud.example.com.");
    EXPECT_EQ(f.question, b.question_bytes());
    EXPECT_EQ(f.question[1], 'W');
    ASSERT_EQ(f.additional.size(), 1u);
    EXPECT_EQ(to_string(f.additional[0]), ". OPT payload=4096 ext_rcode=0 version=0 do=1 z=0 options=-");
}

TEST(FrameBuilder, Ipv6WithTwoVlanTags) {
    auto frame = FrameBuilder().vlan(100, 0x88a8).vlan(200).ipv6("fd77::1", "fd77::2")
                     .qname("a.cloud.example.com").build();
    auto r = decode_dns_frame(frame);
    ASSERT_TRUE(r.ok()) << ::testing::PrintToString(r.errors);
    ASSERT_EQ(r.frame.vlans.size(), 2u);
    EXPECT_EQ(r.frame.vlans[0], (VlanTag{0x88a8, 100}));
    EXPECT_EQ(r.frame.vlans[1], (VlanTag{0x8100, 200}));
    EXPECT_EQ(ip_to_string(r.frame.ip_src, 6), "fd77::1");
    EXPECT_EQ(r.frame.ttl, 64);
}

TEST(FrameBuilder, ZeroChecksumIsAllowedOnIpv4OnlyAndBadChecksumsAreReported) {
    auto v4 = FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").udp_checksum_zero().build();
    EXPECT_TRUE(decode_dns_frame(v4).ok());
    auto v6 = FrameBuilder().ipv6("fd77::1", "fd77::2").udp_checksum_zero().build();
    EXPECT_EQ(decode_dns_frame(v6).errors.size(), 1u);

    auto bad = FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").build();
    bad[14 + 8] ^= 1;    // TTL: breaks the IPv4 header checksum only
    bad.back() ^= 0x10;  // breaks the UDP checksum
    auto r = decode_dns_frame(bad);
    ASSERT_EQ(r.errors.size(), 2u) << ::testing::PrintToString(r.errors);
    EXPECT_NE(r.errors[0].find("IPv4 header checksum"), std::string::npos);
    EXPECT_NE(r.errors[1].find("UDP checksum"), std::string::npos);
}

TEST(FrameBuilder, TruncateDnsKeepsHeadersConsistent) {
    auto frame = FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").qname("abc.example").truncate_dns(15).build();
    EXPECT_EQ(frame.size(), 14u + 20 + 8 + 15);
    auto r = decode_dns_frame(frame);
    ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(r.errors);  // only the DNS part
    EXPECT_NE(r.errors[0].find("question 0"), std::string::npos);
}

TEST(DnsFrameDecoder, HandMadeResponseWithCompressionAndSoa) {
    // id 0x1234, QR AA RD, rcode 0, 1 question, 2 answers, 1 authority, 1 additional (OPT).
    Bytes msg = {0x12, 0x34, 0x85, 0x00, 0, 1, 0, 2, 0, 1, 0, 1};
    Bytes qname = name_to_wire("Four.Cloud.Example.com");
    msg.insert(msg.end(), qname.begin(), qname.end());
    msg.insert(msg.end(), {0, 1, 0, 1});
    for (uint8_t last : {1, 2}) msg.insert(msg.end(), {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 0, last});
    // SOA owned by the apex: a pointer into the question (after "Four").
    Bytes soa = {0xc0, 17, 0, 6, 0, 1, 0, 0, 0, 30};
    // MNAME in full, RNAME a pointer to "Cloud.Example.com" in the question.
    Bytes rdata = concat({name_to_wire("ns1.cloud.example.com"), {0xc0, 17}});
    for (uint32_t v : {2024010101u, 3600u, 600u, 86400u, 30u}) put32(rdata, v);
    put16(soa, static_cast<uint16_t>(rdata.size()));
    soa.insert(soa.end(), rdata.begin(), rdata.end());
    msg.insert(msg.end(), soa.begin(), soa.end());
    Bytes opt = FrameBuilder::opt_record(Edns().size(1232).dnssec_ok());
    msg.insert(msg.end(), opt.begin(), opt.end());

    DecodedFrame f;
    std::vector<std::string> errors;
    decode_dns_message(msg, f, errors);
    ASSERT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
    EXPECT_TRUE(f.dns.qr && f.dns.aa && f.dns.rd);
    EXPECT_FALSE(f.dns.ra || f.dns.tc || f.dns.ad || f.dns.cd);
    ASSERT_EQ(f.answer.size(), 2u);
    EXPECT_EQ(to_string(f.answer[0]), "four.cloud.example.com. 60 IN A 10.1.0.1");
    EXPECT_EQ(f.answer[1].owner_wire, qname);  // case kept through the pointer
    EXPECT_EQ(f.answer[1].owner_raw, (Bytes{0xc0, 12}));
    ASSERT_EQ(f.authority.size(), 1u);
    EXPECT_EQ(to_string(f.authority[0]),
              "cloud.example.com. 30 IN SOA ns1.cloud.example.com. cloud.example.com. 2024010101 3600 600 86400 30");
    ASSERT_EQ(f.additional.size(), 1u);
    ASSERT_TRUE(f.additional[0].opt);
    EXPECT_TRUE(f.additional[0].opt->do_bit);

    msg.push_back(0);
    errors.clear();
    decode_dns_message(msg, f, errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("after the last record"), std::string::npos);
}

TEST(DnsFrameDecoder, RejectsForwardAndLoopingPointers) {
    Bytes msg = {0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    DecodedFrame f;
    std::vector<std::string> errors;
    decode_dns_message(msg, f, errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("pointer"), std::string::npos);
}

}  // namespace
}  // namespace xgslb::test
