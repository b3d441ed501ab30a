// The `rrl` config section (userspace/config_rrl.cpp), what it becomes in the RRL maps
// (userspace/rrl_contents.h), and the slow path's never-reflect rule (reflection_guard.h).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>

#include "userspace/config.h"
#include "userspace/error.h"
#include "userspace/reflection_guard.h"
#include "userspace/rrl_contents.h"

namespace xgslb {
namespace {

const std::string kBase = "instance: eu\nzones:\n  - zone: cloud.example.com\ndns:\n  listen: [\"10.77.0.2:53\"]\n";

RrlConfig rrl_of(const std::string& section) { return parse_config(kBase + section, "t.yaml").rrl; }

std::string error_of(const std::string& section) {
    try {
        parse_config(kBase + section, "t.yaml");
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(RrlConfig, OnByDefaultWithTheDocumentedValues) {
    const RrlConfig r = rrl_of("");
    EXPECT_EQ(r.responses_per_second, 1000u);
    EXPECT_EQ(r.slip, 2u);
    EXPECT_EQ(r.ipv4_prefix, 24);
    EXPECT_EQ(r.ipv6_prefix, 56);
    EXPECT_TRUE(r.allow.empty());
}

TEST(RrlConfig, EveryKeyRead) {
    const RrlConfig r = rrl_of(
        "rrl: {responsesPerSecond: 50, slip: 3, ipv4Prefix: 28, ipv6Prefix: 64, allow: [10.1.0.0/16, "
        "\"2001:db8::/32\", 192.0.2.7]}\n");
    EXPECT_EQ(r.responses_per_second, 50u);
    EXPECT_EQ(r.slip, 3u);
    EXPECT_EQ(r.ipv4_prefix, 28);
    EXPECT_EQ(r.ipv6_prefix, 64);
    ASSERT_EQ(r.allow.size(), 3u);
    EXPECT_EQ(r.allow[0].family, AF_INET);
    EXPECT_EQ(r.allow[0].length, 16);
    EXPECT_EQ(r.allow[0].addr[0], 10);
    EXPECT_EQ(r.allow[0].addr[1], 1);
    EXPECT_EQ(r.allow[1].family, AF_INET6);
    EXPECT_EQ(r.allow[1].length, 32);
    EXPECT_EQ(r.allow[2].length, 32);  // a bare address is one host
}

TEST(RrlConfig, ZeroTurnsLimitingOff) {
    EXPECT_EQ(rrl_of("rrl: {responsesPerSecond: 0}\n").responses_per_second, 0u);
    EXPECT_EQ(build_rrl_contents(rrl_of("rrl: {responsesPerSecond: 0}\n")).config.interval_ns, 0u);
}

TEST(RrlConfig, ErrorsNameTheField) {
    EXPECT_EQ(error_of("rrl: {rate: 5}\n"),
              "t.yaml:6: rrl.rate: unknown key (expected one of: responsesPerSecond, slip, ipv4Prefix, ipv6Prefix, "
              "allow)");
    EXPECT_EQ(error_of("rrl:\n  slip: 11\n"), "t.yaml:7: rrl.slip: '11' is out of range 0..10");
    EXPECT_EQ(error_of("rrl:\n  ipv4Prefix: 4\n"), "t.yaml:7: rrl.ipv4Prefix: '4' is out of range 8..32");
    EXPECT_EQ(error_of("rrl:\n  ipv6Prefix: 129\n"), "t.yaml:7: rrl.ipv6Prefix: '129' is out of range 16..128");
    EXPECT_EQ(error_of("rrl:\n  responsesPerSecond: 1000001\n"),
              "t.yaml:7: rrl.responsesPerSecond: '1000001' is out of range 0..1000000");
    EXPECT_EQ(error_of("rrl:\n  allow: [10.1.2.3/24]\n"),
              "t.yaml:7: rrl.allow[0]: '10.1.2.3/24' has address bits set past /24");
    EXPECT_EQ(error_of("rrl:\n  allow: [10.1.2.0/33]\n"),
              "t.yaml:7: rrl.allow[0]: '10.1.2.0/33': the prefix length must be 0..32");
    EXPECT_EQ(error_of("rrl:\n  allow: [nope/8]\n"),
              "t.yaml:7: rrl.allow[0]: 'nope/8' is not an address prefix (e.g. 192.0.2.0/24, 2001:db8::/32)");
    EXPECT_EQ(error_of("rrl:\n  allow: [10.0.0.0/8, 10.0.0.0/8]\n"),
              "t.yaml:7: rrl.allow[1]: '10.0.0.0/8' is listed twice");
}

TEST(RrlContents, IntervalBurstAndMasks) {
    const RrlMapContents c =
        build_rrl_contents(rrl_of("rrl: {responsesPerSecond: 4, slip: 1, ipv4Prefix: 20, ipv6Prefix: 60}\n"));
    EXPECT_EQ(c.config.interval_ns, 250000000u);
    EXPECT_EQ(c.config.burst_ns, 1000000000u);  // four at once, then one per 250 ms
    EXPECT_EQ(c.config.slip, 1u);
    EXPECT_EQ(ntohl(c.config.ipv4_mask), 0xfffff000u);
    EXPECT_EQ(ntohl(c.config.ipv6_mask[0]), 0xffffffffu);
    EXPECT_EQ(ntohl(c.config.ipv6_mask[1]), 0xfffffff0u);
    EXPECT_EQ(c.config.ipv6_mask[2], 0u);
    EXPECT_EQ(c.config.ipv6_mask[3], 0u);
    EXPECT_EQ(c.config.ipv4_prefix, 20);
    EXPECT_EQ(c.config.allow_count, 0u);
}

TEST(RrlContents, AllowKeysCarryTheFamilyOctet) {
    const RrlMapContents c = build_rrl_contents(rrl_of("rrl: {allow: [10.1.0.0/16, \"2001:db8::/32\"]}\n"));
    ASSERT_EQ(c.allow.size(), 2u);
    EXPECT_EQ(c.config.allow_count, 2u);
    EXPECT_EQ(c.allow[0].prefixlen, 8u + 16);
    EXPECT_EQ(c.allow[0].family, XGSLB_FAMILY_IPV4);
    EXPECT_EQ(c.allow[0].addr[0], 10);
    EXPECT_EQ(c.allow[1].prefixlen, 8u + 32);
    EXPECT_EQ(c.allow[1].family, XGSLB_FAMILY_IPV6);
    EXPECT_EQ(c.allow[1].addr[0], 0x20);
    EXPECT_EQ(c.allow[1].addr[1], 0x01);
}

TEST(PrefixMask, EdgeLengths) {
    uint8_t m[4];
    prefix_mask(0, m, 4);
    EXPECT_EQ(m[0] | m[1] | m[2] | m[3], 0);
    prefix_mask(32, m, 4);
    EXPECT_EQ(m[0] & m[1] & m[2] & m[3], 0xff);
    prefix_mask(9, m, 4);
    EXPECT_EQ(m[0], 0xff);
    EXPECT_EQ(m[1], 0x80);
    EXPECT_EQ(m[2], 0);
}

sockaddr_storage peer(const char* addr, uint16_t port) {
    sockaddr_storage s{};
    if (std::strchr(addr, ':')) {
        auto& v6 = reinterpret_cast<sockaddr_in6&>(s);
        v6.sin6_family = AF_INET6;
        inet_pton(AF_INET6, addr, &v6.sin6_addr);
        v6.sin6_port = htons(port);
    } else {
        auto& v4 = reinterpret_cast<sockaddr_in&>(s);
        v4.sin_family = AF_INET;
        inet_pton(AF_INET, addr, &v4.sin_addr);
        v4.sin_port = htons(port);
    }
    return s;
}

TEST(ReflectionGuard, KnownReflectionPortsAreNeverAnswered) {
    for (uint16_t port : {0, 7, 13, 17, 19, 37, 111, 123, 137, 161, 389, 1900, 5353, 11211}) {
        EXPECT_TRUE(must_not_answer(peer("192.0.2.1", port))) << port;
        EXPECT_TRUE(must_not_answer(peer("2001:db8::1", port))) << port;
    }
}

TEST(ReflectionGuard, OrdinaryClientPortsAreAnswered) {
    for (uint16_t port : {53, 1024, 40000, 65535}) {
        EXPECT_FALSE(must_not_answer(peer("192.0.2.1", port))) << port;
        EXPECT_FALSE(must_not_answer(peer("::ffff:192.0.2.1", port))) << port;
    }
    EXPECT_FALSE(must_not_answer(sockaddr_storage{}));  // not IP
}

}  // namespace
}  // namespace xgslb
