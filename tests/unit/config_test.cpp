#include "userspace/config.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "userspace/error.h"

namespace xgslb {
namespace {

// Configs are written to real files: the messages must name the path load_config was given.
class ConfigFile : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xgslb-config-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& text, const std::string& name = "eu.yaml") {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path) << text;
        return path;
    }

    // The message of the Error load_config throws, without the directory part.
    std::string error_of(const std::string& text) {
        const std::string path = write(text);
        try {
            load_config(path);
        } catch (const Error& e) {
            std::string msg = e.what();
            if (msg.rfind(dir_ + "/", 0) == 0) msg.erase(0, dir_.size() + 1);
            return msg;
        }
        return "(no error)";
    }

    std::string dir_;
};

const std::string kHead = "instance: eu\nzones:\n  - zone: cloud.example.com\n";
const std::string kDns = "dns:\n  listen: [\"10.77.0.2:53\"]\n";

const char* const kMinimal = R"(instance: eu
zones:
  - zone: cloud.example.com
dns:
  listen: ["10.77.0.2:53"]
)";

TEST_F(ConfigFile, FixtureLoadsWithItsValues) {
    const Config c = load_config(XGSLB_FIXTURES_DIR "/eu.yaml");
    EXPECT_EQ(c.instance, "eu");
    EXPECT_EQ(c.log_level, "info");
    ASSERT_EQ(c.zones.size(), 1u);
    EXPECT_EQ(c.zones[0].zone, "cloud.example.com");
    EXPECT_EQ(c.zones[0].negative_ttl, 30u);
    EXPECT_EQ(c.xdp.interfaces, std::vector<std::string>{"vs"});
    EXPECT_EQ(c.xdp.mode, "native");
    EXPECT_FALSE(c.xdp.keep_attached);
    ASSERT_EQ(c.xdp.answer.size(), 1u);
    EXPECT_EQ(c.xdp.answer[0].to_string(), "10.77.0.2:53");
    ASSERT_EQ(c.dns.listen.size(), 1u);
    EXPECT_EQ(c.dns.listen[0].family, AF_INET);
    EXPECT_EQ(c.dns.listen[0].port, 53);
    EXPECT_EQ((std::array<uint8_t, 4>{c.dns.listen[0].addr[0], c.dns.listen[0].addr[1], c.dns.listen[0].addr[2],
                                      c.dns.listen[0].addr[3]}),
              (std::array<uint8_t, 4>{10, 77, 0, 2}));
    EXPECT_EQ(c.dns.udp_payload_size, 1232);
    ASSERT_EQ(c.records.size(), 1u);
    EXPECT_EQ(c.records[0].name, "roundrobin.cloud.example.com");
    EXPECT_EQ(c.records[0].ttl, 30u);
    EXPECT_EQ(c.records[0].a, (std::vector<Ipv4Address>{{172, 18, 0, 3}, {172, 18, 0, 4}}));
    Ipv6Address v6{0x20, 0x01, 0x0d, 0xb8};
    v6[15] = 3;
    EXPECT_EQ(c.records[0].aaaa, std::vector<Ipv6Address>{v6});
}

TEST_F(ConfigFile, DefaultsAreResolved) {
    const Config c = load_config(write(kMinimal));
    EXPECT_EQ(c.log_level, "info");
    const ZoneConfig& z = c.zones.at(0);
    EXPECT_EQ(z.negative_ttl, 30u);
    EXPECT_EQ(z.ns, std::vector<std::string>{"ns1.cloud.example.com"});
    EXPECT_TRUE(z.default_ns);
    EXPECT_EQ(z.ns_ttl, 3600u);
    EXPECT_EQ(z.soa.mname, "ns1.cloud.example.com");
    EXPECT_EQ(z.soa.rname, "hostmaster.cloud.example.com");
    EXPECT_EQ(z.soa.serial, 1u);
    EXPECT_EQ(z.soa.refresh, 7200u);
    EXPECT_EQ(z.soa.retry, 1800u);
    EXPECT_EQ(z.soa.expire, 1209600u);
    EXPECT_EQ(z.soa.ttl, 3600u);
    EXPECT_EQ(c.xdp.mode, "auto");
    EXPECT_FALSE(c.xdp.keep_attached);
    EXPECT_TRUE(c.xdp.interfaces.empty());
    EXPECT_EQ(c.xdp.answer, c.dns.listen);
    EXPECT_EQ(c.dns.udp_payload_size, 1232);
    EXPECT_EQ(c.dns.workers, 0u);  // one per CPU
    EXPECT_EQ(c.dns.tcp_idle_timeout_ms, 10000u);
    EXPECT_EQ(c.dns.tcp_max_connections, 256u);
}

TEST_F(ConfigFile, ServerTuning) {
    const Config c = load_config(write(kHead + kDns + "  workers: 3\n  tcpIdleTimeoutMs: 250\n  tcpMaxConnections: 8\n"));
    EXPECT_EQ(c.dns.workers, 3u);
    EXPECT_EQ(c.dns.tcp_idle_timeout_ms, 250u);
    EXPECT_EQ(c.dns.tcp_max_connections, 8u);
}

TEST_F(ConfigFile, TsigKeysFromTextAndFileAndTheAllowList) {
    std::ofstream(dir_ + "/xfr.key") << "c2VjcmV0LXNlY3JldA==\n";
    const Config c = load_config(write(kHead + kDns + R"(  tsigKeys:
    - name: XFR-Key
      algorithm: hmac-sha256
      secretFile: xfr.key
    - {name: other., algorithm: hmac-sha512, secret: "b3RoZXI="}
  allowTransfer: [xfr-key.]
)"));
    ASSERT_EQ(c.dns.tsig_keys.size(), 2u);
    EXPECT_EQ(c.dns.tsig_keys[0].name, "XFR-Key");
    EXPECT_EQ(c.dns.tsig_keys[0].algorithm, "hmac-sha256");
    EXPECT_EQ(c.dns.tsig_keys[0].secret, "c2VjcmV0LXNlY3JldA==");  // relative to the config, newline trimmed
    EXPECT_EQ(c.dns.tsig_keys[1].secret, "b3RoZXI=");
    EXPECT_EQ(c.dns.allow_transfer, std::vector<std::string>{"xfr-key."});
    EXPECT_TRUE(load_config(write(kMinimal)).dns.allow_transfer.empty());  // default: no transfers
}

TEST_F(ConfigFile, TsigSecretFileProblemsNameTheFile) {
    const std::string keys = kHead + kDns + "  tsigKeys:\n    - {name: k, algorithm: hmac-sha256, secretFile: k.key}\n";
    EXPECT_EQ(error_of(keys).rfind("eu.yaml:7: dns.tsigKeys[0].secretFile: cannot open '" + dir_ + "/k.key'", 0), 0u)
        << error_of(keys);
    std::ofstream(dir_ + "/k.key") << "key \"k\" { secret \"c2VjcmV0\"; };\n";
    EXPECT_EQ(error_of(keys), "eu.yaml:7: dns.tsigKeys[0].secretFile: '" + dir_ + "/k.key' does not hold one base64 secret");
}

TEST_F(ConfigFile, ExplicitZoneFieldsWin) {
    const Config c = load_config(write(R"(instance: us
logLevel: debug
zones:
  - zone: cloud.example.com
    negativeTtl: 60
    ns: [a.ns.example.net, b.ns.example.net]
    nsTtl: 300
    soa: {rname: ops.example.net, serial: 42, refresh: 1, retry: 2, expire: 3, ttl: 4}
xdp:
  keepAttached: true
  answer: ["10.0.0.1", "[2001:db8::1]:5353"]
dns:
  listen: ["0.0.0.0:53"]
  udpPayloadSize: 4096
)"));
    const ZoneConfig& z = c.zones.at(0);
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_EQ(z.negative_ttl, 60u);
    EXPECT_EQ(z.ns, (std::vector<std::string>{"a.ns.example.net", "b.ns.example.net"}));
    EXPECT_FALSE(z.default_ns);
    EXPECT_EQ(z.ns_ttl, 300u);
    EXPECT_EQ(z.soa.mname, "a.ns.example.net");  // the first NS
    EXPECT_EQ(z.soa.rname, "ops.example.net");
    EXPECT_EQ(z.soa.serial, 42u);
    EXPECT_EQ(z.soa.ttl, 4u);
    EXPECT_TRUE(c.xdp.keep_attached);
    ASSERT_EQ(c.xdp.answer.size(), 2u);
    EXPECT_EQ(c.xdp.answer[0].to_string(), "10.0.0.1:53");
    EXPECT_EQ(c.xdp.answer[1].to_string(), "[2001:db8::1]:5353");
    EXPECT_EQ(c.dns.udp_payload_size, 4096);
}

TEST_F(ConfigFile, DefaultAnswerSkipsWildcardListenAddresses) {
    const Config c = load_config(write(kHead + R"(dns:
  listen: ["0.0.0.0:53", "10.77.0.2:53", "[::]:53"]
)"));
    ASSERT_EQ(c.xdp.answer.size(), 1u);
    EXPECT_EQ(c.xdp.answer[0].to_string(), "10.77.0.2:53");
    EXPECT_EQ(c.dns.listen.size(), 3u);
}

TEST_F(ConfigFile, BadRecordAddressNamesFileLineAndField) {
    EXPECT_EQ(error_of(R"(instance: eu
zones:
  - zone: cloud.example.com
xdp:
  interfaces: [vs]
dns:
  listen: ["10.77.0.2:53"]
records:
  - name: roundrobin.cloud.example.com
    ttl: 30
    a: [172.18.0.3,
        172.18.0.x]
)"),
              "eu.yaml:12: records[0].a[1]: '172.18.0.x' is not an IPv4 address");
}

struct BadConfig {
    const char* what;
    std::string yaml;
    std::string message;
};

class ConfigErrors : public ConfigFile, public ::testing::WithParamInterface<BadConfig> {};

TEST_P(ConfigErrors, NameFileLineAndField) { EXPECT_EQ(error_of(GetParam().yaml), GetParam().message); }


INSTANTIATE_TEST_SUITE_P(
    Config, ConfigErrors,
    ::testing::Values(
        BadConfig{"yaml_syntax", "instance: eu\nzones: [\n", "eu.yaml:3: YAML syntax: end of sequence flow not found"},
        BadConfig{"not_a_map", "- a\n- b\n", "eu.yaml:1: expected a mapping at the top level"},
        BadConfig{"unknown_top_key", kHead + kDns + "recrods: []\n",
                  "eu.yaml:6: recrods: unknown key (expected one of: instance, logLevel, geoTag, zones, xdp, dns, records, geoip, source)"},
        BadConfig{"unknown_dns_key", kHead + kDns + "  worker: 2\n",
                  "eu.yaml:6: dns.worker: unknown key (expected one of: listen, udpPayloadSize, workers, "
                  "tcpIdleTimeoutMs, tcpMaxConnections, tsigKeys, allowTransfer)"},
        BadConfig{"tsig_bad_base64",
                  kHead + kDns + "  tsigKeys:\n    - name: k\n      algorithm: hmac-sha256\n      secret: not*base64\n",
                  "eu.yaml:9: dns.tsigKeys[0].secret: not base64 (RFC 4648, padded, no spaces)"},
        BadConfig{"tsig_unpadded_base64", kHead + kDns + "  tsigKeys: [{name: k, algorithm: hmac-sha256, secret: abc}]\n",
                  "eu.yaml:6: dns.tsigKeys[0].secret: not base64 (RFC 4648, padded, no spaces)"},
        BadConfig{"tsig_unknown_algorithm",
                  kHead + kDns + "  tsigKeys:\n    - name: k\n      algorithm: hmac-md5\n      secret: c2VjcmV0\n",
                  "eu.yaml:8: dns.tsigKeys[0].algorithm: 'hmac-md5' is not one of: hmac-sha256, hmac-sha512"},
        BadConfig{"tsig_no_algorithm", kHead + kDns + "  tsigKeys:\n    - name: k\n      secret: c2VjcmV0\n",
                  "eu.yaml:7: dns.tsigKeys[0]: missing key 'algorithm'"},
        BadConfig{"tsig_secret_and_file",
                  kHead + kDns + "  tsigKeys:\n    - name: k\n      algorithm: hmac-sha256\n      secret: c2VjcmV0\n"
                                 "      secretFile: k.key\n",
                  "eu.yaml:7: dns.tsigKeys[0]: exactly one of 'secret' and 'secretFile' is needed"},
        BadConfig{"tsig_no_secret", kHead + kDns + "  tsigKeys:\n    - name: k\n      algorithm: hmac-sha256\n",
                  "eu.yaml:7: dns.tsigKeys[0]: exactly one of 'secret' and 'secretFile' is needed"},
        BadConfig{"tsig_duplicate_key",
                  kHead + kDns + "  tsigKeys:\n    - {name: k, algorithm: hmac-sha256, secret: c2VjcmV0}\n"
                                 "    - {name: K., algorithm: hmac-sha512, secret: c2VjcmV0}\n",
                  "eu.yaml:8: dns.tsigKeys[1].name: duplicate key 'K.' (also dns.tsigKeys[0])"},
        BadConfig{"allow_transfer_unknown_key",
                  kHead + kDns + "  tsigKeys: [{name: k, algorithm: hmac-sha256, secret: c2VjcmV0}]\n"
                                 "  allowTransfer:\n    - k\n    - other\n",
                  "eu.yaml:9: dns.allowTransfer[1]: 'other' is not a key in dns.tsigKeys"},
        BadConfig{"allow_transfer_without_keys", kHead + kDns + "  allowTransfer: [k]\n",
                  "eu.yaml:6: dns.allowTransfer[0]: 'k' is not a key in dns.tsigKeys"},
        BadConfig{"allow_transfer_twice",
                  kHead + kDns + "  tsigKeys: [{name: k, algorithm: hmac-sha256, secret: c2VjcmV0}]\n"
                                 "  allowTransfer: [k, K.]\n",
                  "eu.yaml:7: dns.allowTransfer[1]: 'K.' is listed twice"},
        BadConfig{"unknown_zone_key", kHead + "    negativTtl: 5\n" + kDns,
                  "eu.yaml:4: zones[0].negativTtl: unknown key (expected one of: zone, negativeTtl, soa, ns, "
                  "nsTtl)"},
        BadConfig{"duplicate_key", kHead + kDns + "instance: us\n", "eu.yaml:6: instance: duplicate key"},
        BadConfig{"missing_instance", "zones:\n  - zone: a.example\n" + kDns, "eu.yaml:1: missing key 'instance'"},
        BadConfig{"bad_instance", "instance: ../x\nzones:\n  - zone: a.example\n" + kDns,
                  "eu.yaml:1: instance: '../x' must be 1-64 of [A-Za-z0-9._-]"},
        BadConfig{"wrong_type_list", kHead + "dns:\n  listen: 10.77.0.2\n", "eu.yaml:5: dns.listen: expected a list"},
        BadConfig{"wrong_type_number", kHead + kDns + "  udpPayloadSize: big\n",
                  "eu.yaml:6: dns.udpPayloadSize: 'big' is not a non-negative integer"},
        BadConfig{"out_of_range", kHead + kDns + "  udpPayloadSize: 100\n",
                  "eu.yaml:6: dns.udpPayloadSize: '100' is out of range 512..4096"},
        BadConfig{"workers_too_many", kHead + kDns + "  workers: 5000\n",
                  "eu.yaml:6: dns.workers: '5000' is out of range 0..1024"},
        BadConfig{"zero_idle_timeout", kHead + kDns + "  tcpIdleTimeoutMs: 0\n",
                  "eu.yaml:6: dns.tcpIdleTimeoutMs: '0' is out of range 1..3600000"},
        BadConfig{"zero_connections", kHead + kDns + "  tcpMaxConnections: 0\n",
                  "eu.yaml:6: dns.tcpMaxConnections: '0' is out of range 1..65536"},
        BadConfig{"negative_ttl", kHead + "    negativeTtl: -1\n" + kDns,
                  "eu.yaml:4: zones[0].negativeTtl: '-1' is not a non-negative integer"},
        BadConfig{"bad_listen", kHead + "dns:\n  listen: [\"10.77.0.2:53\", \"10.77.0.300\"]\n",
                  "eu.yaml:5: dns.listen[1]: '10.77.0.300' is not an IP address with an optional port"},
        BadConfig{"bad_port", kHead + "dns:\n  listen:\n    - \"[::1]:99999\"\n",
                  "eu.yaml:6: dns.listen[0]: '[::1]:99999': port must be 1..65535"},
        BadConfig{"bad_mode", kHead + kDns + "xdp:\n  mode: turbo\n",
                  "eu.yaml:7: xdp.mode: 'turbo' is not one of: auto, native, generic"},
        BadConfig{"bad_bool", kHead + kDns + "xdp:\n  keepAttached: maybe\n",
                  "eu.yaml:7: xdp.keepAttached: expected true or false"},
        BadConfig{"bad_log_level", kHead + kDns + "logLevel: loud\n",
                  "eu.yaml:6: logLevel: 'loud' is not one of: trace, debug, info, warn, error"},
        BadConfig{"bad_aaaa", kHead + kDns + "records:\n  - name: x.cloud.example.com\n    aaaa: [10.0.0.1]\n",
                  "eu.yaml:8: records[0].aaaa[0]: '10.0.0.1' is not an IPv6 address"},
        BadConfig{"outside_zones", kHead + kDns + "records:\n  - name: www.example.org\n    a: [10.0.0.1]\n",
                  "eu.yaml:7: records[0].name: 'www.example.org' is outside every configured zone"},
        BadConfig{"duplicate_zone", kHead + "  - zone: Cloud.Example.COM.\n" + kDns,
                  "eu.yaml:4: zones[1].zone: duplicate zone 'Cloud.Example.COM.' (also zones[0])"},
        BadConfig{"long_label", "instance: eu\nzones:\n  - zone: " + std::string(64, 'x') + ".example\n" + kDns,
                  "eu.yaml:3: zones[0].zone: '" + std::string(64, 'x') +
                      ".example' is not a domain name: label longer than 63 octets in '" + std::string(64, 'x') +
                      ".example'"},
        BadConfig{"empty_label", kHead + kDns + "records:\n  - name: a..cloud.example.com\n    a: [10.0.0.1]\n",
                  "eu.yaml:7: records[0].name: 'a..cloud.example.com' is not a domain name: empty label in domain "
                  "name 'a..cloud.example.com'"},
        BadConfig{"wildcard_in_middle", kHead + kDns + "records:\n  - name: a.*.cloud.example.com\n    a: [10.0.0.1]\n",
                  "eu.yaml:7: records[0].name: 'a.*.cloud.example.com': '*' is only allowed as the first label of "
                  "a record name"},
        BadConfig{"duplicate_record", kHead + kDns +
                                          "records:\n  - name: a.cloud.example.com\n    a: [10.0.0.1]\n"
                                          "  - name: A.cloud.example.com.\n    a: [10.0.0.2]\n",
                  "eu.yaml:9: records[1].name: 'A.cloud.example.com.' is already defined by records[0]"},
        BadConfig{"cname_and_a", kHead + kDns +
                                     "records:\n  - name: a.cloud.example.com\n    cname: b.example\n    a: [10.0.0.1]\n",
                  "eu.yaml:7: records[0]: a CNAME cannot coexist with other data (RFC 1034 3.6.2)"},
        BadConfig{"empty_record", kHead + kDns + "records:\n  - name: a.cloud.example.com\n    ttl: 5\n",
                  "eu.yaml:7: records[0]: record has no data (a, aaaa, cname, txt or ns)"},
        BadConfig{"apex_ns_record", kHead + kDns + "records:\n  - name: cloud.example.com\n    ns: [x.example]\n",
                  "eu.yaml:8: records[0].ns: the apex NS set is zones[].ns"},
        BadConfig{"no_glue_for_default_ns", kHead + "dns:\n  listen: [\"0.0.0.0:53\"]\n",
                  "eu.yaml:3: zones[0]: no ns given, and dns.listen has no specific address to use for "
                  "'ns1.cloud.example.com.'; set ns or add a record for it"},
        BadConfig{"wildcard_answer", kHead + kDns + "xdp:\n  answer: [\"10.0.0.1\", \"[::]:53\"]\n",
                  "eu.yaml:7: xdp.answer[1]: '[::]:53' is a wildcard; XDP matches exact destination addresses"},
        BadConfig{"only_wildcard_listen", "instance: eu\nzones:\n  - {zone: a.example, ns: [ns.example]}\n"
                                          "xdp:\n  interfaces: [eth0]\ndns:\n  listen: [\"0.0.0.0\"]\n",
                  "eu.yaml:7: dns.listen: only wildcard addresses, so XDP would answer nothing; list the "
                  "addresses in xdp.answer"},
        BadConfig{"ttl_too_big", kHead + kDns + "records:\n  - name: a.cloud.example.com\n    ttl: 2147483648\n"
                                                "    a: [10.0.0.1]\n",
                  "eu.yaml:8: records[0].ttl: '2147483648' is out of range 0..2147483647"}),
    [](const auto& info) { return std::string(info.param.what); });

TEST_F(ConfigFile, MissingFileIsAnError) {
    EXPECT_THROW(load_config(dir_ + "/absent.yaml"), Error);
}

TEST(SocketAddress, Forms) {
    EXPECT_EQ(parse_socket_address("10.77.0.2:53").to_string(), "10.77.0.2:53");
    EXPECT_EQ(parse_socket_address("10.77.0.2").port, 53);
    EXPECT_EQ(parse_socket_address("10.77.0.2:5353").port, 5353);
    const SocketAddress v6 = parse_socket_address("[2001:db8::1]:53");
    EXPECT_EQ(v6.family, AF_INET6);
    EXPECT_EQ(v6.addr[0], 0x20);
    EXPECT_EQ(v6.addr[15], 1);
    EXPECT_EQ(parse_socket_address("[2001:db8::1]").port, 53);
    EXPECT_EQ(parse_socket_address("2001:db8::1").to_string(), "[2001:db8::1]:53");
    EXPECT_TRUE(parse_socket_address("0.0.0.0").is_wildcard());
    EXPECT_TRUE(parse_socket_address("[::]:53").is_wildcard());
    EXPECT_FALSE(parse_socket_address("::1").is_wildcard());
    for (const char* bad : {"", "10.0.0.1:", "10.0.0.1:0", "[10.0.0.1]:53", "[::1", "[::1]53", "host:53", "1.2.3"})
        EXPECT_THROW(parse_socket_address(bad), Error) << bad;
}

}  // namespace
}  // namespace xgslb
