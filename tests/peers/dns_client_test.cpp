// The DNS client against a scripted server on loopback: answers read from the answer section,
// a reply with the wrong ID ignored, TC answered by a retry over TCP, silence timing out.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/peers/fake_dns_server.h"
#include "userspace/peers/dns_client.h"

namespace xgslb {
namespace {

using namespace std::chrono_literals;

SocketAddress at(uint16_t port) { return parse_socket_address("127.0.0.1:" + std::to_string(port)); }

TEST(DnsClient, ReadsAAndAaaaAnswers) {
    test::FakeDnsServer server;
    server.set("localtargets-app.cloud.example.com", 1, {0, {"10.1.0.1", "10.1.0.2"}});
    server.set("localtargets-app.cloud.example.com", 28, {0, {"2001:db8::1"}});
    const AddressLookup a = lookup_addresses(at(server.port()), "localtargets-app.cloud.example.com", 1, 500ms);
    ASSERT_TRUE(a.answered) << a.error;
    EXPECT_EQ(a.rcode, 0);
    EXPECT_EQ(a.a, (std::vector<Ipv4Address>{{10, 1, 0, 1}, {10, 1, 0, 2}}));
    const AddressLookup aaaa = lookup_addresses(at(server.port()), "localtargets-app.cloud.example.com", 28, 500ms);
    ASSERT_TRUE(aaaa.answered);
    ASSERT_EQ(aaaa.aaaa.size(), 1u);
    EXPECT_EQ(aaaa.aaaa[0][0], 0x20);
    EXPECT_EQ(aaaa.aaaa[0][15], 1);
    const AddressLookup none = lookup_addresses(at(server.port()), "localtargets-gone.cloud.example.com", 1, 500ms);
    ASSERT_TRUE(none.answered);
    EXPECT_EQ(none.rcode, 3);
    EXPECT_TRUE(none.a.empty());
}

TEST(DnsClient, IgnoresAReplyWithAnotherId) {
    test::FakeDnsServer server;
    server.set("x.example.com", 1, {0, {"192.0.2.7"}});
    server.wrong_id_first = true;
    const AddressLookup a = lookup_addresses(at(server.port()), "x.example.com", 1, 500ms);
    ASSERT_TRUE(a.answered) << a.error;
    EXPECT_EQ(a.a, (std::vector<Ipv4Address>{{192, 0, 2, 7}}));
}

TEST(DnsClient, RetriesTruncatedAnswersOverTcp) {
    test::FakeDnsServer server;
    server.set("x.example.com", 1, {0, {"192.0.2.8"}});
    server.truncate_udp = true;
    const AddressLookup a = lookup_addresses(at(server.port()), "x.example.com", 1, 500ms);
    ASSERT_TRUE(a.answered) << a.error;
    EXPECT_EQ(a.a, (std::vector<Ipv4Address>{{192, 0, 2, 8}}));
    EXPECT_EQ(server.udp_queries.load(), 1);
    EXPECT_EQ(server.tcp_queries.load(), 1);
}

// A server that answers only with wrong IDs is not a silent one: the error says so (the peer
// fault is logged with it, tests/integration/fault_peer_garbage_test.sh).
TEST(DnsClient, AServerSendingOnlyWrongIdsIsReportedAsSuch) {
    test::FakeDnsServer server;
    server.set("x.example.com", 1, {0, {"192.0.2.9"}});
    server.wrong_id_only = true;
    const AddressLookup a = lookup_addresses(at(server.port()), "x.example.com", 1, 200ms);
    EXPECT_FALSE(a.answered);
    EXPECT_EQ(a.error, "timeout; ignored 1 datagram(s) not matching the query (ID, QR or question)");
}

TEST(DnsClient, SilenceTimesOutAndStopEndsTheWaitEarly) {
    test::FakeDnsServer server;
    server.silent = true;
    auto started = std::chrono::steady_clock::now();
    const AddressLookup a = lookup_addresses(at(server.port()), "x.example.com", 1, 200ms);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_FALSE(a.answered);
    EXPECT_EQ(a.error, "timeout");
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 400ms);

    std::atomic<bool> stop{true};
    started = std::chrono::steady_clock::now();
    const AddressLookup s = lookup_addresses(at(server.port()), "x.example.com", 1, 5000ms, &stop);
    EXPECT_FALSE(s.answered);
    EXPECT_EQ(s.error, "stopped");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 200ms);
}

}  // namespace
}  // namespace xgslb
