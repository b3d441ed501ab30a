// Zone transfers through the Answerer: requests signed with ldns, every response message
// verified with ldns (RFC 8945 5.3.1 chaining across messages), the records between the two
// SOAs compared with the zone as configured; and every way a transfer is refused.
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <set>

#include "tests/unit/dns_test_util.h"
#include "userspace/config.h"
#include "userspace/dns_answerer.h"
#include "userspace/zone_transfer.h"

namespace xgslb {
namespace {

using test::Bytes;
using Strings = std::vector<std::string>;

constexpr uint16_t kAxfr = 252, kIxfr = 251;
constexpr uint16_t kNotauth = 9, kBadsig = 16, kBadkey = 17, kBadtime = 18;
const char* const kSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==";
const char* const kOtherSecret = "b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItMzI=";

const char* const kConfig = R"(instance: xfr-test
zones:
  - zone: cloud.example.com
    soa:
      serial: 7
  - zone: other.example.net
dns:
  listen: ["10.77.0.2:53"]
  tsigKeys:
    - name: xfr-key
      algorithm: hmac-sha256
      secret: c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==
    - name: other-key
      algorithm: hmac-sha256
      secret: b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItMzI=
    - name: wide-key
      algorithm: hmac-sha512
      secret: c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==
  allowTransfer: [xfr-key, wide-key]
records:
  - name: www.cloud.example.com
    ttl: 30
    a: [192.0.2.1, 192.0.2.2]
    aaaa: ["2001:db8::1"]
  - name: alias.cloud.example.com
    ttl: 60
    cname: www.cloud.example.com
  - name: txt.cloud.example.com
    ttl: 50
    txt: ["hello"]
  - name: deleg.cloud.example.com
    ttl: 3600
    ns: [ns.deleg.cloud.example.com]
  - name: ns.deleg.cloud.example.com
    ttl: 3600
    a: [192.0.2.53]
  - name: "*.wild.cloud.example.com"
    ttl: 15
    a: [192.0.2.99]
  - name: host.other.example.net
    a: [198.51.100.1]
)";

const std::string kSoa =
    "cloud.example.com.\t3600\tIN\tSOA\tns1.cloud.example.com. hostmaster.cloud.example.com. 7 7200 1800 1209600 30";

// Every record of cloud.example.com but the SOA, as ldns prints them.
const std::set<std::string> kZoneRecords = {
    "cloud.example.com.\t3600\tIN\tNS\tns1.cloud.example.com.",
    "*.wild.cloud.example.com.\t15\tIN\tA\t192.0.2.99",
    "alias.cloud.example.com.\t60\tIN\tCNAME\twww.cloud.example.com.",
    "deleg.cloud.example.com.\t3600\tIN\tNS\tns.deleg.cloud.example.com.",
    "ns.deleg.cloud.example.com.\t3600\tIN\tA\t192.0.2.53",
    "ns1.cloud.example.com.\t3600\tIN\tA\t10.77.0.2",
    "txt.cloud.example.com.\t50\tIN\tTXT\t\"hello\"",
    "www.cloud.example.com.\t30\tIN\tA\t192.0.2.1",
    "www.cloud.example.com.\t30\tIN\tA\t192.0.2.2",
    "www.cloud.example.com.\t30\tIN\tAAAA\t2001:db8::1",
};

struct Pkt {
    ldns_pkt* p = nullptr;
    explicit Pkt(ldns_pkt* pkt) : p(pkt) {}
    Pkt(const Pkt&) = delete;
    ~Pkt() { ldns_pkt_free(p); }
};

struct Request {
    std::string zone = "cloud.example.com.";
    uint16_t qtype = kAxfr;
    std::optional<uint32_t> ixfr_serial;
    bool edns = false;
    // Signing: none when key is empty.
    std::string key = "xfr-key.", secret = kSecret, algorithm = "hmac-sha256.";
    bool corrupt_mac = false;
};

// The query's wire form and, when signed, its MAC (for verifying the responses).
struct Signed {
    Bytes wire;
    ldns_rdf* mac = nullptr;
    ~Signed() { ldns_rdf_deep_free(mac); }
};

void build(const Request& r, Signed& out) {
    Pkt q(nullptr);
    ASSERT_EQ(ldns_pkt_query_new_frm_str(&q.p, r.zone.c_str(), static_cast<ldns_rr_type>(r.qtype), LDNS_RR_CLASS_IN, 0),
              LDNS_STATUS_OK);
    ldns_pkt_set_id(q.p, 0x1234);
    if (r.ixfr_serial) {
        ldns_rr* soa = nullptr;
        const std::string text = r.zone + " 3600 IN SOA ns. host. " + std::to_string(*r.ixfr_serial) + " 1 1 1 1";
        ASSERT_EQ(ldns_rr_new_frm_str(&soa, text.c_str(), 0, nullptr, nullptr), LDNS_STATUS_OK);
        ldns_pkt_push_rr(q.p, LDNS_SECTION_AUTHORITY, soa);
    }
    if (r.edns) ldns_pkt_set_edns_udp_size(q.p, 1232);
    if (!r.key.empty()) {
        ASSERT_EQ(ldns_pkt_tsig_sign(q.p, r.key.c_str(), r.secret.c_str(), 300, r.algorithm.c_str(), nullptr),
                  LDNS_STATUS_OK);
        ldns_rr* tsig = ldns_pkt_tsig(q.p);
        if (r.corrupt_mac) ldns_rdf_data(ldns_rr_rdf(tsig, 3))[5] ^= 1;
        out.mac = ldns_rdf_clone(ldns_rr_rdf(tsig, 3));
    }
    uint8_t* w = nullptr;
    size_t n = 0;
    ASSERT_EQ(ldns_pkt2wire(&w, q.p, &n), LDNS_STATUS_OK);
    out.wire.assign(w, w + n);
    free(w);
}

struct Response {
    uint16_t rcode = 0;
    bool aa = false;
    size_t qdcount = 0;
    Strings answer;
    bool has_tsig = false;
    uint16_t tsig_error = 0;
    size_t mac_size = 0;
    bool verified = false;  // with the request's key, chained from the request MAC
    bool has_opt = false;
};

class ZoneTransferTest : public ::testing::Test {
protected:
    ZoneTransferTest() : config_(parse_config(kConfig, "xfr-test.yaml")), view_(ZoneView::build(config_)) {
        AnswererSettings s;
        s.tsig_keys = tsig_keys_from(config_.dns);
        answerer_.emplace(s);
        context_.transport = Transport::tcp;
        context_.now = static_cast<uint32_t>(std::time(nullptr));
    }

    // Every response message, each parsed and (when signed) verified in sequence.
    std::vector<Response> transfer(const Request& r) {
        Signed q;
        build(r, q);
        std::vector<Response> out;
        const std::vector<Bytes> messages = answerer_->answer_all(q.wire, context_, *view_);
        ldns_rdf* prior = q.mac ? ldns_rdf_clone(q.mac) : nullptr;
        for (size_t i = 0; i < messages.size(); ++i) {
            const Bytes& m = messages[i];
            EXPECT_LE(m.size(), 65535u);
            Pkt p(nullptr);
            EXPECT_EQ(ldns_wire2pkt(&p.p, m.data(), m.size()), LDNS_STATUS_OK) << "message " << i;
            if (!p.p) break;
            Response resp;
            resp.rcode = ldns_pkt_get_rcode(p.p);
            resp.aa = ldns_pkt_aa(p.p);
            resp.qdcount = ldns_pkt_qdcount(p.p);
            resp.answer = test::rr_strings(ldns_pkt_answer(p.p));
            resp.has_opt = ldns_pkt_edns(p.p);
            EXPECT_EQ(ldns_pkt_id(p.p), 0x1234);
            if (ldns_rr* tsig = ldns_pkt_tsig(p.p)) {
                resp.has_tsig = true;
                resp.tsig_error = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
                resp.mac_size = ldns_rdf_size(ldns_rr_rdf(tsig, 3)) - 2;
                if (prior && resp.mac_size > 0) {
                    resp.verified = ldns_pkt_tsig_verify_next(p.p, m.data(), m.size(), r.key.c_str(), r.secret.c_str(),
                                                              prior, i > 0);
                    ldns_rdf_deep_free(prior);
                    prior = ldns_rdf_clone(ldns_rr_rdf(tsig, 3));
                }
            }
            out.push_back(resp);
        }
        ldns_rdf_deep_free(prior);
        return out;
    }

    // The one response to a refused or failed transfer.
    Response single(const Request& r) {
        const std::vector<Response> all = transfer(r);
        EXPECT_EQ(all.size(), 1u);
        return all.empty() ? Response{} : all.front();
    }

    static Strings records_of(const std::vector<Response>& messages) {
        Strings all;
        for (const Response& m : messages) all.insert(all.end(), m.answer.begin(), m.answer.end());
        return all;
    }

    Config config_;
    std::shared_ptr<const ZoneView> view_;
    std::optional<Answerer> answerer_;
    QueryContext context_;
};

void expect_whole_zone(const Strings& records, const std::set<std::string>& expected, const std::string& soa) {
    ASSERT_GE(records.size(), 2u);
    EXPECT_EQ(records.front(), soa);
    EXPECT_EQ(records.back(), soa);
    const Strings middle(records.begin() + 1, records.end() - 1);
    EXPECT_EQ(std::set<std::string>(middle.begin(), middle.end()), expected);
    EXPECT_EQ(middle.size(), expected.size()) << "a record sent twice";
}

TEST_F(ZoneTransferTest, SignedAxfrGetsTheZoneBetweenTwoSoasEverMessageVerified) {
    const std::vector<Response> messages = transfer({});
    ASSERT_EQ(messages.size(), 1u);
    const Response& m = messages.front();
    EXPECT_EQ(m.rcode, 0);
    EXPECT_TRUE(m.aa);
    EXPECT_EQ(m.qdcount, 1u);
    EXPECT_TRUE(m.has_tsig);
    EXPECT_EQ(m.tsig_error, 0);
    EXPECT_TRUE(m.verified);
    expect_whole_zone(m.answer, kZoneRecords, kSoa);
}

TEST_F(ZoneTransferTest, RecordsInCanonicalOrderThenType) {
    const Strings records = records_of(transfer({}));
    ASSERT_EQ(records.size(), kZoneRecords.size() + 2);
    EXPECT_EQ(records[1], "cloud.example.com.\t3600\tIN\tNS\tns1.cloud.example.com.");
    EXPECT_EQ(records[2], "alias.cloud.example.com.\t60\tIN\tCNAME\twww.cloud.example.com.");
    EXPECT_EQ(records[3], "deleg.cloud.example.com.\t3600\tIN\tNS\tns.deleg.cloud.example.com.");
    EXPECT_EQ(records[4], "ns.deleg.cloud.example.com.\t3600\tIN\tA\t192.0.2.53");  // right after its parent
    EXPECT_EQ(records[7], "*.wild.cloud.example.com.\t15\tIN\tA\t192.0.2.99");  // by "wild", then '*'
    EXPECT_EQ(records[records.size() - 2], "www.cloud.example.com.\t30\tIN\tAAAA\t2001:db8::1");
}

TEST_F(ZoneTransferTest, Sha512KeyWorksAndOtherZoneHasOnlyItsRecords) {
    Request r;
    r.zone = "Other.Example.NET.";
    r.key = "wide-key.";
    r.algorithm = "hmac-sha512.";
    std::vector<Response> messages = transfer(r);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_TRUE(messages[0].verified);
    EXPECT_EQ(messages[0].mac_size, 64u);
    // Names at and below the zone's are compressed against the question, so they take the case
    // the client wrote (as in every answer); DNS compares names case-insensitively.
    EXPECT_EQ(messages[0].answer[1], "Other.Example.NET.\t3600\tIN\tNS\tns1.Other.Example.NET.");
    for (std::string& record : messages[0].answer)
        for (char& c : record) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string soa = "other.example.net.\t3600\tin\tsoa\tns1.other.example.net. hostmaster.other.example.net. 1 "
                            "7200 1800 1209600 30";
    expect_whole_zone(messages[0].answer,
                      {"other.example.net.\t3600\tin\tns\tns1.other.example.net.",
                       "host.other.example.net.\t30\tin\ta\t198.51.100.1",
                       "ns1.other.example.net.\t3600\tin\ta\t10.77.0.2"},
                      soa);
}

TEST_F(ZoneTransferTest, EdnsQueryGetsOptInEveryMessage) {
    Request r;
    r.edns = true;
    const std::vector<Response> messages = transfer(r);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_TRUE(messages[0].has_opt);
    EXPECT_TRUE(messages[0].verified);
}

TEST_F(ZoneTransferTest, IxfrFromAnOlderSerialGetsTheWholeZone) {
    Request r;
    r.qtype = kIxfr;
    r.ixfr_serial = 6;
    const std::vector<Response> messages = transfer(r);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_TRUE(messages[0].verified);
    expect_whole_zone(messages[0].answer, kZoneRecords, kSoa);
}

TEST_F(ZoneTransferTest, IxfrFromTheCurrentOrNewerSerialGetsTheSoaAlone) {
    for (uint32_t serial : {7u, 8u, 0x80000000u + 6}) {
        Request r;
        r.qtype = kIxfr;
        r.ixfr_serial = serial;
        const Response m = single(r);
        EXPECT_TRUE(m.verified);
        EXPECT_EQ(m.answer, Strings{kSoa}) << serial;
    }
}

TEST_F(ZoneTransferTest, IxfrOverUdpGetsTheSoaAlone) {
    context_.transport = Transport::udp;
    Request r;
    r.qtype = kIxfr;
    r.ixfr_serial = 1;
    const Response m = single(r);
    EXPECT_TRUE(m.verified);
    EXPECT_EQ(m.answer, Strings{kSoa});
}

TEST_F(ZoneTransferTest, IxfrWithoutSoaIsFormerr) {
    Request r;
    r.qtype = kIxfr;
    const Response m = single(r);
    EXPECT_EQ(m.rcode, 1);
    EXPECT_TRUE(m.verified);
}

TEST_F(ZoneTransferTest, AxfrOverUdpRefusedButSigned) {
    context_.transport = Transport::udp;
    const Response m = single({});
    EXPECT_EQ(m.rcode, 5);
    EXPECT_TRUE(m.answer.empty());
    EXPECT_TRUE(m.verified);
    // answer() gives the same single message over UDP.
    Signed q;
    build({}, q);
    const auto one = answerer_->answer(q.wire, context_, *view_);
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ((*one)[3] & 0xf, 5);
}

TEST_F(ZoneTransferTest, UnsignedRefusedWithoutTsig) {
    for (uint16_t qtype : {kAxfr, kIxfr}) {
        Request r;
        r.qtype = qtype;
        r.key.clear();
        const Response m = single(r);
        EXPECT_EQ(m.rcode, 5);
        EXPECT_FALSE(m.aa);
        EXPECT_TRUE(m.answer.empty());
        EXPECT_FALSE(m.has_tsig);
    }
}

TEST_F(ZoneTransferTest, KeyNotInAllowTransferRefusedAndSigned) {
    Request r;
    r.key = "other-key.";
    r.secret = kOtherSecret;
    const Response m = single(r);
    EXPECT_EQ(m.rcode, 5);
    EXPECT_TRUE(m.answer.empty());
    EXPECT_TRUE(m.verified);
}

TEST_F(ZoneTransferTest, UnknownKeyIsBadkeyUnsigned) {
    Request r;
    r.key = "stranger.";
    const Response m = single(r);
    EXPECT_EQ(m.rcode, kNotauth);
    EXPECT_TRUE(m.has_tsig);
    EXPECT_EQ(m.tsig_error, kBadkey);
    EXPECT_EQ(m.mac_size, 0u);
    EXPECT_TRUE(m.answer.empty());
}

TEST_F(ZoneTransferTest, KnownKeyUnderAnotherAlgorithmIsBadkey) {
    Request r;
    r.algorithm = "hmac-sha512.";
    const Response m = single(r);
    EXPECT_EQ(m.rcode, kNotauth);
    EXPECT_EQ(m.tsig_error, kBadkey);
}

TEST_F(ZoneTransferTest, WrongSecretOrAlteredMacIsBadsigUnsigned) {
    Request wrong;
    wrong.secret = kOtherSecret;
    Request altered;
    altered.corrupt_mac = true;
    for (const Request& r : {wrong, altered}) {
        const Response m = single(r);
        EXPECT_EQ(m.rcode, kNotauth);
        EXPECT_EQ(m.tsig_error, kBadsig);
        EXPECT_EQ(m.mac_size, 0u);
        EXPECT_TRUE(m.answer.empty());
    }
}

TEST_F(ZoneTransferTest, ClockOutsideFudgeIsBadtime) {
    for (int64_t skew : {-301, 301, 86400}) {
        context_.now = static_cast<uint32_t>(std::time(nullptr) + skew);
        const Response m = single({});
        EXPECT_EQ(m.rcode, kNotauth) << skew;
        EXPECT_EQ(m.tsig_error, kBadtime) << skew;
        EXPECT_TRUE(m.answer.empty());
    }
    context_.now = static_cast<uint32_t>(std::time(nullptr) + 290);
    EXPECT_EQ(single({}).rcode, 0);  // inside the request's 300 s fudge
}

TEST_F(ZoneTransferTest, NotAZoneApexIsNotauthSigned) {
    for (const char* name : {"www.cloud.example.com.", "example.com.", "elsewhere.org."}) {
        Request r;
        r.zone = name;
        const Response m = single(r);
        EXPECT_EQ(m.rcode, kNotauth) << name;
        EXPECT_TRUE(m.verified) << name;
        EXPECT_FALSE(m.has_tsig && m.tsig_error != 0);
    }
}

TEST_F(ZoneTransferTest, NoKeysConfiguredSignedAxfrIsBadkeyUnsignedRefused) {
    Answerer plain(AnswererSettings{});
    Signed q;
    build({}, q);
    const auto signed_answer = plain.answer_all(q.wire, context_, *view_);
    ASSERT_EQ(signed_answer.size(), 1u);
    EXPECT_EQ(signed_answer[0][3] & 0xf, kNotauth);
    Request unsigned_request;
    unsigned_request.key.clear();
    Signed u;
    build(unsigned_request, u);
    const auto refused = plain.answer_all(u.wire, context_, *view_);
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_EQ(refused[0][3] & 0xf, 5);
}

// A zone too big for one message: split at 64 KiB, the MACs chained from message to message.
TEST(ZoneTransferLargeTest, SplitIntoMessagesEachSignedAndChained) {
    std::string yaml = std::string(R"(instance: big
zones:
  - zone: big.example
dns:
  listen: ["10.77.0.2:53"]
  tsigKeys: [{name: xfr-key, algorithm: hmac-sha256, secret: )") +
                       kSecret + R"(}]
  allowTransfer: [xfr-key]
records:
)";
    std::set<std::string> expected = {"big.example.\t3600\tIN\tNS\tns1.big.example.",
                                      "ns1.big.example.\t3600\tIN\tA\t10.77.0.2"};
    for (int i = 0; i < 3000; ++i) {
        const std::string name = "host-with-a-longish-name-" + std::to_string(i) + ".big.example";
        const std::string text = "text record number " + std::to_string(i) + " padding padding padding";
        yaml += "  - name: " + name + "\n    ttl: 60\n    a: [192.0.2." + std::to_string(i % 250 + 1) +
                "]\n    txt: [\"" + text + "\"]\n";
        expected.insert(name + ".\t60\tIN\tA\t192.0.2." + std::to_string(i % 250 + 1));
        expected.insert(name + ".\t60\tIN\tTXT\t\"" + text + "\"");
    }
    const Config config = parse_config(yaml, "big.yaml");
    const auto view = ZoneView::build(config);
    AnswererSettings s;
    s.tsig_keys = tsig_keys_from(config.dns);
    const Answerer answerer(s);
    QueryContext context;
    context.transport = Transport::tcp;
    context.now = static_cast<uint32_t>(std::time(nullptr));

    Request r;
    r.zone = "big.example.";
    Signed q;
    build(r, q);
    const std::vector<Bytes> messages = answerer.answer_all(q.wire, context, *view);
    ASSERT_GE(messages.size(), 3u);
    Strings records;
    ldns_rdf* prior = ldns_rdf_clone(q.mac);
    for (size_t i = 0; i < messages.size(); ++i) {
        EXPECT_LE(messages[i].size(), 65535u);
        Pkt p(nullptr);
        ASSERT_EQ(ldns_wire2pkt(&p.p, messages[i].data(), messages[i].size()), LDNS_STATUS_OK);
        EXPECT_EQ(ldns_pkt_qdcount(p.p), i == 0 ? 1u : 0u);
        ldns_rr* tsig = ldns_pkt_tsig(p.p);
        ASSERT_NE(tsig, nullptr) << "message " << i;
        EXPECT_TRUE(ldns_pkt_tsig_verify_next(p.p, messages[i].data(), messages[i].size(), "xfr-key.", kSecret, prior,
                                              i > 0))
            << "message " << i;
        // Chaining is real: the same message does not verify as a first message.
        if (i > 0) {
            EXPECT_FALSE(ldns_pkt_tsig_verify_next(p.p, messages[i].data(), messages[i].size(), "xfr-key.", kSecret,
                                                   q.mac, 0));
        }
        ldns_rdf_deep_free(prior);
        prior = ldns_rdf_clone(ldns_rr_rdf(tsig, 3));
        const Strings answer = test::rr_strings(ldns_pkt_answer(p.p));
        records.insert(records.end(), answer.begin(), answer.end());
    }
    ldns_rdf_deep_free(prior);
    expect_whole_zone(records,
                      expected, "big.example.\t3600\tIN\tSOA\tns1.big.example. hostmaster.big.example. 1 7200 1800 "
                                "1209600 30");
}

}  // namespace
}  // namespace xgslb
