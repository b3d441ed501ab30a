// The wire reader and writer under the answerer, and the cookie hash against published vectors.
#include "userspace/dns_message.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "tests/unit/dns_test_util.h"

namespace xgslb {
namespace {

using test::Bytes;
using test::QueryBuilder;
using test::hex;


TEST(SipHash, ReferenceVectors) {
    // The SipHash paper's key 00..0f; messages 00.. of length 0 and 15.
    CookieSecret key;
    for (int i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(i);
    Bytes msg;
    const auto empty = siphash24(msg, key);
    EXPECT_EQ(Bytes(empty.begin(), empty.end()), hex("310e0edd47db6f72"));
    for (int i = 0; i < 15; ++i) msg.push_back(static_cast<uint8_t>(i));
    const auto h = siphash24(msg, key);
    EXPECT_EQ(Bytes(h.begin(), h.end()), hex("e545be4961ca29a1"));
}

struct CookieVector {
    const char* secret;
    const char* client;
    const char* address;
    uint32_t time;
    const char* server;
};

TEST(ServerCookie, Rfc9018AppendixA) {
    const CookieVector vectors[] = {
        {"e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100", 1559731985, "010000005cf79f111f8130c3eee29480"},
        {"e5e973e5a6b2a43f48e7dc849e37bfcf", "2464c4abcf10c957", "198.51.100.100", 1559734385, "010000005cf7a871d4a564a1442aca77"},
        {"e5e973e5a6b2a43f48e7dc849e37bfcf", "fc93fc62807ddb86", "203.0.113.203", 1559734700, "010000005cf7a9acf73a7810aca2381e"},
        {"445536bcd2513298075a5d379663c962", "22681ab97d52c298", "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961,
         "010000005cf7c609a6bb79d16625507a"},
    };
    for (const auto& v : vectors) {
        CookieSecret secret;
        ClientCookie client;
        const Bytes s = hex(v.secret), c = hex(v.client);
        std::copy(s.begin(), s.end(), secret.begin());
        std::copy(c.begin(), c.end(), client.begin());
        sockaddr_storage addr{};
        if (std::string(v.address).find(':') != std::string::npos) {
            addr.ss_family = AF_INET6;
            inet_pton(AF_INET6, v.address, &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr);
        } else {
            addr.ss_family = AF_INET;
            inet_pton(AF_INET, v.address, &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr);
        }
        const ServerCookie got = make_server_cookie(client, addr, v.time, secret);
        EXPECT_EQ(Bytes(got.begin(), got.end()), hex(v.server)) << v.address << " at " << v.time;
    }
}

TEST(ParseQuery, QuestionSpanIsTheBytesAsSent) {
    const Bytes q = QueryBuilder("WwW.Example.COM", 28).bytes();
    const auto p = dns::parse_query(q);
    ASSERT_TRUE(p && p->well_formed);
    EXPECT_EQ(Bytes(p->question.begin(), p->question.end()), QueryBuilder("WwW.Example.COM", 28).question());
    EXPECT_EQ(p->qtype, 28);
    EXPECT_EQ(p->qclass, 1);
    EXPECT_FALSE(p->edns);
}

TEST(ParseQuery, OptFields) {
    const Bytes q = QueryBuilder("a.example", 1).edns(test::edns_of(4000, true, 3)).bytes();
    const auto p = dns::parse_query(q);
    ASSERT_TRUE(p && p->well_formed && p->edns);
    EXPECT_EQ(p->edns->udp_payload_size, 4000);
    EXPECT_TRUE(p->edns->dnssec_ok);
    EXPECT_EQ(p->edns->version, 3);
    EXPECT_FALSE(p->edns->cookie);
}

TEST(ParseQuery, PointerChainsMustGoStrictlyBackwards) {
    // Question a.example, then an answer record whose owner is "b" + pointer to the question.
    Bytes q = QueryBuilder("a.example", 1).bytes();
    q[7] = 1;
    const size_t rr = q.size();
    for (uint8_t b : Bytes{1, 'b', 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0}) q.push_back(b);
    EXPECT_TRUE(dns::parse_query(q)->well_formed);
    // Two pointers to each other: the second does not point before the first target.
    Bytes loop = q;
    loop[rr + 2] = 0xc0;
    loop[rr + 3] = static_cast<uint8_t>(rr);  // points at its own record's owner: a loop
    EXPECT_FALSE(dns::parse_query(loop)->well_formed);
    Bytes forward = q;
    forward[rr + 3] = static_cast<uint8_t>(rr + 10);
    EXPECT_FALSE(dns::parse_query(forward)->well_formed);
}

TEST(WriteResponse, OwnersCompressedAgainstQuestionSuffixesRdataNot) {
    const Bytes question = QueryBuilder("x.Zone.example", 6).question();
    const WireName apex = name_to_wire("zone.example");
    const Bytes rdata = name_to_wire("ns.zone.example");
    const dns::Record rec{apex.data(), apex.size(), 2, 60, &rdata};
    dns::ResponseParts parts;
    parts.id = 1;
    parts.flags = 0x8400;
    parts.question = question;
    parts.authority = std::span<const dns::Record>(&rec, 1);
    Bytes out;
    dns::write_response(parts, out);
    const size_t at = 12 + question.size();
    EXPECT_EQ(out[at], 0xc0);
    EXPECT_EQ(out[at + 1], 12 + 2);  // "Zone.example" inside the question
    EXPECT_EQ(Bytes(out.end() - static_cast<long>(rdata.size()), out.end()), rdata);
}

}  // namespace
}  // namespace xgslb
