// The slow path's answers, decoded by ldns and checked section by section, for every kind of
// query the answerer distinguishes. Byte-for-byte equality with the XDP program is checked in
// dns_answerer_xdp_test.cpp; the wire reader and writer in dns_message_test.cpp.
#include "userspace/dns_answerer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "tests/unit/dns_test_util.h"
#include "userspace/config.h"

namespace xgslb {
namespace {

using test::Bytes;
using test::Decoded;
using test::EdnsSpec;
using test::hex;
using test::QueryBuilder;

namespace qt {
constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, MX = 15, TXT = 16, AAAA = 28, DS = 43, OPT = 41, TKEY = 249,
                   TSIG = 250, IXFR = 251, AXFR = 252, MAILB = 253, MAILA = 254, ANY = 255;
}

const char* const kZones = R"(instance: answerer-test
zones:
  - zone: cloud.example.com
    negativeTtl: 30
  - zone: child.cloud.example.com
    negativeTtl: 40
    soa:
      ttl: 20
  - zone: other.example.net
dns:
  listen: ["10.77.0.2:53", "[fd77::2]:53"]
records:
  - name: single.cloud.example.com
    ttl: 30
    a: [172.18.0.3]
  - name: dual.cloud.example.com
    ttl: 20
    a: [172.18.0.20, 172.18.0.21]
    aaaa: ["2001:db8::20"]
  - name: txt.cloud.example.com
    ttl: 50
    a: [172.18.0.40]
    txt: ["hello"]
  - name: x.y.cloud.example.com
    a: [172.18.0.30]
  - name: alias.cloud.example.com
    ttl: 300
    cname: single.cloud.example.com
  - name: chain.cloud.example.com
    ttl: 301
    cname: alias.cloud.example.com
  - name: loop1.cloud.example.com
    cname: loop2.cloud.example.com
  - name: loop2.cloud.example.com
    cname: loop1.cloud.example.com
  - name: dangling.cloud.example.com
    cname: gone.cloud.example.com
  - name: external.cloud.example.com
    cname: www.example.org
  - name: cross.cloud.example.com
    cname: host.other.example.net
  - name: host.other.example.net
    ttl: 70
    aaaa: ["2001:db8::70"]
  - name: to-deleg.cloud.example.com
    cname: www.deleg.cloud.example.com
  - name: deleg.cloud.example.com
    ttl: 3600
    ns: [ns.deleg.cloud.example.com, ns.example.org]
  - name: ns.deleg.cloud.example.com
    ttl: 3600
    a: [192.0.2.1]
  - name: "*.wild.cloud.example.com"
    ttl: 15
    a: [172.18.2.1]
    txt: ["wild"]
  - name: "*.walias.cloud.example.com"
    cname: single.cloud.example.com
  - name: www.wild.cloud.example.com
    a: [172.18.2.2]
  - name: www.child.cloud.example.com
    a: [192.0.2.9]
  - name: big.cloud.example.com
    aaaa: ["2001:db8:1::1", "2001:db8:1::2", "2001:db8:1::3", "2001:db8:1::4", "2001:db8:1::5",
           "2001:db8:1::6", "2001:db8:1::7", "2001:db8:1::8", "2001:db8:1::9", "2001:db8:1::a",
           "2001:db8:1::b", "2001:db8:1::c", "2001:db8:1::d", "2001:db8:1::e", "2001:db8:1::f",
           "2001:db8:1::10", "2001:db8:1::11", "2001:db8:1::12", "2001:db8:1::13", "2001:db8:1::14",
           "2001:db8:1::15", "2001:db8:1::16", "2001:db8:1::17", "2001:db8:1::18", "2001:db8:1::19",
           "2001:db8:1::1a", "2001:db8:1::1b", "2001:db8:1::1c", "2001:db8:1::1d", "2001:db8:1::1e"]
)";

const std::string kSoa = "cloud.example.com.\t30\tIN\tSOA\tns1.cloud.example.com. hostmaster.cloud.example.com. 1 7200 1800 1209600 30";
const std::string kChildSoa =
    "child.cloud.example.com.\t20\tIN\tSOA\tns1.child.cloud.example.com. hostmaster.child.cloud.example.com. 1 7200 1800 1209600 40";
const std::string kSingle = "single.cloud.example.com.\t30\tIN\tA\t172.18.0.3";

class AnswererTest : public ::testing::Test {
protected:
    AnswererTest() : view_(ZoneView::build(parse_config(kZones, "answerer-test.yaml"))), answerer_(settings()) {
        context_.transport = Transport::udp;
        auto* sin = reinterpret_cast<sockaddr_in*>(&context_.client);
        sin->sin_family = AF_INET;
        inet_pton(AF_INET, "198.51.100.100", &sin->sin_addr);
        context_.now = 1559731985;
    }

    static AnswererSettings settings() {
        AnswererSettings s;
        s.udp_payload_size = 1232;
        const uint8_t secret[16] = {0xe5, 0xe9, 0x73, 0xe5, 0xa6, 0xb2, 0xa4, 0x3f,
                                    0x48, 0xe7, 0xdc, 0x84, 0x9e, 0x37, 0xbf, 0xcf};
        std::copy(std::begin(secret), std::end(secret), s.cookie_secret.begin());
        return s;
    }

    std::optional<Bytes> raw(const Bytes& query) const { return answerer_.answer(query, context_, *view_); }

    // The decoded response to `query`, which must be answered and parse with ldns.
    Decoded ask(const Bytes& query) const {
        const auto out = raw(query);
        EXPECT_TRUE(out.has_value());
        if (!out) return {};
        const auto d = test::decode(*out);
        EXPECT_TRUE(d.has_value()) << "ldns could not parse the response";
        return d.value_or(Decoded{});
    }
    Decoded ask(const QueryBuilder& q) const { return ask(q.bytes()); }

    std::shared_ptr<const ZoneView> view_;
    Answerer answerer_;
    QueryContext context_;
};

using Strings = std::vector<std::string>;

// NODATA (rcode 0) or NXDOMAIN (3): AA, nothing but `soa` in authority, no additional.
void expect_negative(const Decoded& d, uint16_t rcode, const std::string& soa) {
    EXPECT_EQ(d.rcode, rcode);
    EXPECT_TRUE(d.aa());
    EXPECT_TRUE(d.answer.empty());
    EXPECT_EQ(d.authority, Strings{soa});
    EXPECT_TRUE(d.additional.empty());
}

// ---- answers XDP also gives ----

TEST_F(AnswererTest, AAnswerIsTheRrsetAloneWithAaAndRdCopied) {
    const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A));
    EXPECT_EQ(d.id, 0x4a5b);
    EXPECT_EQ(d.flags, 0x8000 | 0x0400 | 0x0100);  // QR AA RD; RA AD Z clear
    EXPECT_EQ(d.rcode, 0);
    EXPECT_EQ(d.question, Strings{"single.cloud.example.com.\tIN\tA"});
    EXPECT_EQ(d.answer, Strings{kSingle});
    EXPECT_TRUE(d.authority.empty());
    EXPECT_TRUE(d.additional.empty());
    EXPECT_FALSE(d.has_opt);
}

TEST_F(AnswererTest, HeaderBitsRdClearCdCopiedAdRaZNotEchoed) {
    const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A).with_flags(0x0010 | 0x0020 | 0x0080 | 0x0040));
    EXPECT_EQ(d.flags, 0x8000 | 0x0400 | 0x0010);
}

TEST_F(AnswererTest, MixedCaseQuestionEchoedAndOwnersPointAtIt) {
    const Decoded d = ask(QueryBuilder("SiNgLe.CloUD.example.COM", qt::A));
    EXPECT_EQ(d.question, Strings{"SiNgLe.CloUD.example.COM.\tIN\tA"});
    EXPECT_EQ(d.answer, Strings{"SiNgLe.CloUD.example.COM.\t30\tIN\tA\t172.18.0.3"});
}

TEST_F(AnswererTest, AaaaAndRrsetOrderKept) {
    EXPECT_EQ(ask(QueryBuilder("dual.cloud.example.com", qt::AAAA)).answer,
              Strings{"dual.cloud.example.com.\t20\tIN\tAAAA\t2001:db8::20"});
    EXPECT_EQ(ask(QueryBuilder("dual.cloud.example.com", qt::A)).answer,
              (Strings{"dual.cloud.example.com.\t20\tIN\tA\t172.18.0.20", "dual.cloud.example.com.\t20\tIN\tA\t172.18.0.21"}));
}

TEST_F(AnswererTest, NodataHasZoneSoaWithNegativeTtl) {
    expect_negative(ask(QueryBuilder("single.cloud.example.com", qt::MX)), 0, kSoa);
}

TEST_F(AnswererTest, NodataTtlIsSoaTtlWhenBelowMinimum) {
    expect_negative(ask(QueryBuilder("www.child.cloud.example.com", qt::AAAA)), 0, kChildSoa);
}

TEST_F(AnswererTest, EmptyNonTerminalIsNodata) {
    expect_negative(ask(QueryBuilder("y.cloud.example.com", qt::A)), 0, kSoa);
}

TEST_F(AnswererTest, NxdomainHasSoaOwnedByApexInQuestionCase) {
    const Decoded d = ask(QueryBuilder("nope.CLOUD.example.com", qt::A));
    EXPECT_EQ(d.rcode, 3);
    EXPECT_TRUE(d.aa());
    EXPECT_TRUE(d.answer.empty());
    EXPECT_EQ(d.authority,
              Strings{"CLOUD.example.com.\t30\tIN\tSOA\tns1.cloud.example.com. hostmaster.cloud.example.com. 1 7200 1800 1209600 30"});
}

TEST_F(AnswererTest, NxdomainBelowAnExistingName) {
    EXPECT_EQ(ask(QueryBuilder("z.single.cloud.example.com", qt::A)).rcode, 3);
    EXPECT_EQ(ask(QueryBuilder("q.y.cloud.example.com", qt::TXT)).rcode, 3);
}

TEST_F(AnswererTest, EdnsOptEchoesDoWithOurSize) {
    const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A).edns(test::edns_of(4096, true, 0)));
    EXPECT_TRUE(d.has_opt);
    EXPECT_EQ(d.opt_size, 1232);
    EXPECT_EQ(d.opt_version, 0);
    EXPECT_TRUE(d.opt_do);
    EXPECT_TRUE(d.opt_data.empty());
    EXPECT_EQ(d.answer, Strings{kSingle});
    EXPECT_FALSE(ask(QueryBuilder("single.cloud.example.com", qt::A).edns(test::edns_of(4096, false, 0))).opt_do);
}

// ---- the rest of an authoritative server ----

TEST_F(AnswererTest, ApexSoaAnsweredWithItsOwnTtl) {
    const Decoded d = ask(QueryBuilder("cloud.example.com", qt::SOA));
    EXPECT_TRUE(d.aa());
    EXPECT_EQ(d.answer,
              Strings{"cloud.example.com.\t3600\tIN\tSOA\tns1.cloud.example.com. hostmaster.cloud.example.com. 1 7200 1800 1209600 30"});
    EXPECT_TRUE(d.authority.empty());
}

TEST_F(AnswererTest, ApexNsWithGlueInAdditional) {
    const Decoded d = ask(QueryBuilder("cloud.example.com", qt::NS));
    EXPECT_TRUE(d.aa());
    EXPECT_EQ(d.answer, Strings{"cloud.example.com.\t3600\tIN\tNS\tns1.cloud.example.com."});
    EXPECT_TRUE(d.authority.empty());
    EXPECT_EQ(d.additional, (Strings{"ns1.cloud.example.com.\t3600\tIN\tA\t10.77.0.2",
                                     "ns1.cloud.example.com.\t3600\tIN\tAAAA\tfd77::2"}));
}

TEST_F(AnswererTest, TxtAtNameWithSeveralTypes) {
    const Decoded d = ask(QueryBuilder("txt.cloud.example.com", qt::TXT));
    EXPECT_EQ(d.answer, Strings{"txt.cloud.example.com.\t50\tIN\tTXT\t\"hello\""});
}

TEST_F(AnswererTest, CnameFollowedWithinOurZones) {
    const Decoded d = ask(QueryBuilder("chain.cloud.example.com", qt::A));
    EXPECT_EQ(d.rcode, 0);
    EXPECT_TRUE(d.aa());
    EXPECT_EQ(d.answer, (Strings{"chain.cloud.example.com.\t301\tIN\tCNAME\talias.cloud.example.com.",
                                 "alias.cloud.example.com.\t300\tIN\tCNAME\tsingle.cloud.example.com.", kSingle}));
    EXPECT_TRUE(d.authority.empty());
}

TEST_F(AnswererTest, CnameQueryNotFollowed) {
    EXPECT_EQ(ask(QueryBuilder("alias.cloud.example.com", qt::CNAME)).answer,
              Strings{"alias.cloud.example.com.\t300\tIN\tCNAME\tsingle.cloud.example.com."});
}

TEST_F(AnswererTest, CnameToNodataAndNxdomainTakeTheTargetsOutcome) {
    Decoded d = ask(QueryBuilder("alias.cloud.example.com", qt::MX));
    EXPECT_EQ(d.rcode, 0);
    EXPECT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.authority, Strings{kSoa});
    d = ask(QueryBuilder("dangling.cloud.example.com", qt::A));
    EXPECT_EQ(d.rcode, 3);  // RFC 6604: the rcode of the last name
    EXPECT_EQ(d.answer, Strings{"dangling.cloud.example.com.\t30\tIN\tCNAME\tgone.cloud.example.com."});
    EXPECT_EQ(d.authority, Strings{kSoa});
}

TEST_F(AnswererTest, CnameAcrossZonesAndOutOfThem) {
    Decoded d = ask(QueryBuilder("cross.cloud.example.com", qt::AAAA));
    EXPECT_EQ(d.answer, (Strings{"cross.cloud.example.com.\t30\tIN\tCNAME\thost.other.example.net.",
                                 "host.other.example.net.\t70\tIN\tAAAA\t2001:db8::70"}));
    d = ask(QueryBuilder("external.cloud.example.com", qt::A));
    EXPECT_EQ(d.rcode, 0);
    EXPECT_EQ(d.answer, Strings{"external.cloud.example.com.\t30\tIN\tCNAME\twww.example.org."});
    EXPECT_TRUE(d.authority.empty());
}

TEST_F(AnswererTest, CnameLoopStops) {
    const Decoded d = ask(QueryBuilder("loop1.cloud.example.com", qt::A));
    EXPECT_EQ(d.rcode, 0);
    EXPECT_EQ(d.answer, (Strings{"loop1.cloud.example.com.\t30\tIN\tCNAME\tloop2.cloud.example.com.",
                                 "loop2.cloud.example.com.\t30\tIN\tCNAME\tloop1.cloud.example.com."}));
}

TEST_F(AnswererTest, CnameIntoDelegationStopsAtTheCut) {
    const Decoded d = ask(QueryBuilder("to-deleg.cloud.example.com", qt::A));
    EXPECT_EQ(d.answer, Strings{"to-deleg.cloud.example.com.\t30\tIN\tCNAME\twww.deleg.cloud.example.com."});
    EXPECT_TRUE(d.authority.empty());
}

TEST_F(AnswererTest, ReferralAtAndBelowCut) {
    for (const char* name : {"deleg.cloud.example.com", "www.deleg.cloud.example.com", "a.b.deleg.cloud.example.com"}) {
        for (uint16_t type : {qt::A, qt::NS, qt::MX, qt::ANY}) {
            SCOPED_TRACE(std::string(name) + " type " + std::to_string(type));
            const Decoded d = ask(QueryBuilder(name, type));
            EXPECT_EQ(d.rcode, 0);
            EXPECT_FALSE(d.aa());
            EXPECT_TRUE(d.answer.empty());
            EXPECT_EQ(d.authority, (Strings{"deleg.cloud.example.com.\t3600\tIN\tNS\tns.deleg.cloud.example.com.",
                                            "deleg.cloud.example.com.\t3600\tIN\tNS\tns.example.org."}));
            EXPECT_EQ(d.additional, Strings{"ns.deleg.cloud.example.com.\t3600\tIN\tA\t192.0.2.1"});
        }
    }
}

TEST_F(AnswererTest, DsAtCutIsParentSideNodata) {
    expect_negative(ask(QueryBuilder("deleg.cloud.example.com", qt::DS)), 0, kSoa);
    // Below the cut, DS is the child's: a referral.
    EXPECT_FALSE(ask(QueryBuilder("x.deleg.cloud.example.com", qt::DS)).aa());
}

TEST_F(AnswererTest, DsAtApexOfChildZoneWithoutParentNodeAnsweredByChild) {
    expect_negative(ask(QueryBuilder("child.cloud.example.com", qt::DS)), 0, kChildSoa);
}

TEST_F(AnswererTest, WildcardSynthesisedWithQueryOwner) {
    Decoded d = ask(QueryBuilder("Foo.wild.cloud.example.com", qt::A));
    EXPECT_TRUE(d.aa());
    EXPECT_EQ(d.answer, Strings{"Foo.wild.cloud.example.com.\t15\tIN\tA\t172.18.2.1"});
    d = ask(QueryBuilder("a.b.wild.cloud.example.com", qt::TXT));
    EXPECT_EQ(d.answer, Strings{"a.b.wild.cloud.example.com.\t15\tIN\tTXT\t\"wild\""});
    d = ask(QueryBuilder("foo.wild.cloud.example.com", qt::MX));  // wildcard NODATA
    EXPECT_EQ(d.rcode, 0);
    EXPECT_EQ(d.authority, Strings{kSoa});
    // An existing name is not covered by the wildcard.
    EXPECT_EQ(ask(QueryBuilder("www.wild.cloud.example.com", qt::A)).answer,
              Strings{"www.wild.cloud.example.com.\t30\tIN\tA\t172.18.2.2"});
    EXPECT_EQ(ask(QueryBuilder("www.wild.cloud.example.com", qt::TXT)).authority, Strings{kSoa});
    // The wildcard only covers names below its closest encloser.
    EXPECT_EQ(ask(QueryBuilder("z.www.wild.cloud.example.com", qt::A)).rcode, 3);
}

TEST_F(AnswererTest, WildcardCnameFollowed) {
    const Decoded d = ask(QueryBuilder("x.walias.cloud.example.com", qt::A));
    EXPECT_EQ(d.answer, (Strings{"x.walias.cloud.example.com.\t30\tIN\tCNAME\tsingle.cloud.example.com.", kSingle}));
}

TEST_F(AnswererTest, AnyAnswersOneRrsetOnly) {
    Decoded d = ask(QueryBuilder("dual.cloud.example.com", qt::ANY));
    EXPECT_TRUE(d.aa());
    EXPECT_EQ(d.answer, (Strings{"dual.cloud.example.com.\t20\tIN\tA\t172.18.0.20", "dual.cloud.example.com.\t20\tIN\tA\t172.18.0.21"}));
    d = ask(QueryBuilder("cloud.example.com", qt::ANY));
    EXPECT_EQ(d.answer, Strings{"cloud.example.com.\t3600\tIN\tNS\tns1.cloud.example.com."});
    EXPECT_TRUE(d.additional.empty());
    d = ask(QueryBuilder("alias.cloud.example.com", qt::ANY));  // not followed
    EXPECT_EQ(d.answer, Strings{"alias.cloud.example.com.\t300\tIN\tCNAME\tsingle.cloud.example.com."});
    EXPECT_EQ(ask(QueryBuilder("y.cloud.example.com", qt::ANY)).authority, Strings{kSoa});
    EXPECT_EQ(ask(QueryBuilder("nope.cloud.example.com", qt::ANY)).rcode, 3);
}

TEST_F(AnswererTest, OutOfZoneRefusedWithNoData) {
    for (const char* name : {"www.example.org", "example.com", ".", "net"}) {
        const Decoded d = ask(QueryBuilder(name, qt::A));
        EXPECT_EQ(d.rcode, 5) << name;
        EXPECT_FALSE(d.aa());
        EXPECT_EQ(d.question.size(), 1u);
        EXPECT_TRUE(d.answer.empty() && d.authority.empty() && d.additional.empty());
    }
}

TEST_F(AnswererTest, ClassOtherThanInRefused) {
    for (uint16_t c : {3, 4, 254, 255}) EXPECT_EQ(ask(QueryBuilder("single.cloud.example.com", qt::A).klass(c)).rcode, 5);
}

TEST_F(AnswererTest, TransfersRefusedOtherMetaTypesAsBind) {
    EXPECT_EQ(ask(QueryBuilder("cloud.example.com", qt::AXFR)).rcode, 5);
    EXPECT_EQ(ask(QueryBuilder("cloud.example.com", qt::IXFR)).rcode, 5);
    EXPECT_EQ(ask(QueryBuilder("cloud.example.com", qt::MAILA)).rcode, 4);
    EXPECT_EQ(ask(QueryBuilder("cloud.example.com", qt::MAILB)).rcode, 4);
    EXPECT_EQ(ask(QueryBuilder("cloud.example.com", qt::TKEY)).rcode, 4);
    EXPECT_EQ(ask(QueryBuilder("cloud.example.com", qt::TSIG)).rcode, 1);
    EXPECT_EQ(ask(QueryBuilder("cloud.example.com", qt::OPT)).rcode, 1);
    EXPECT_EQ(ask(QueryBuilder("cloud.example.com", 128)).rcode, 1);
    const Decoded d = ask(QueryBuilder("cloud.example.com", qt::AXFR));
    EXPECT_EQ(d.question, Strings{"cloud.example.com.\tIN\tAXFR"});
    EXPECT_FALSE(d.aa());
}

TEST_F(AnswererTest, UnknownOpcodeNotimpWithOpcodeEchoed) {
    for (uint16_t opcode : {1, 2, 4, 5, 15}) {
        const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A).with_flags(static_cast<uint16_t>(opcode << 11 | 0x0100)));
        EXPECT_EQ(d.rcode, 4);
        EXPECT_EQ((d.flags >> 11) & 0xf, opcode);
        EXPECT_EQ(d.flags & 0x0100, 0x0100);
        EXPECT_FALSE(d.aa());
        EXPECT_TRUE(d.answer.empty());
    }
}

// ---- EDNS ----

TEST_F(AnswererTest, BadversSplitsRcodeAndKeepsQuestion) {
    const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A).edns(test::edns_of(1232, false, 1)));
    EXPECT_EQ(d.flags & 0xf, 0);
    EXPECT_EQ(d.rcode, 16);
    EXPECT_TRUE(d.has_opt);
    EXPECT_EQ(d.opt_version, 0);
    EXPECT_EQ(d.question.size(), 1u);
    EXPECT_TRUE(d.answer.empty());
}

TEST_F(AnswererTest, UnknownOptionsIgnoredEcsEchoedWithScopeZero) {
    EdnsSpec e;
    e.option(65001, {1, 2, 3}).option(8, {0, 1, 24, 0, 192, 0, 2});  // ECS 192.0.2.0/24
    const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A).edns(e));
    EXPECT_EQ(d.answer, Strings{kSingle});
    // RFC 7871 7.2.1: echoed; scope 0 since the answer does not depend on the client's subnet.
    EXPECT_EQ(d.opt_data, (std::vector<uint8_t>{0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2}));
}

TEST_F(AnswererTest, MalformedEcsIsIgnoredNotEchoed) {
    EdnsSpec e;
    e.option(8, {0, 1, 24, 0, 192, 0, 2, 9});  // ADDRESS longer than /24 needs
    const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A).edns(e));
    EXPECT_EQ(d.answer, Strings{kSingle});
    EXPECT_TRUE(d.opt_data.empty());
}

// ---- size limits ----

TEST_F(AnswererTest, TruncatedWithoutEdnsOver512) {
    const auto out = raw(QueryBuilder("big.cloud.example.com", qt::AAAA).bytes());
    ASSERT_TRUE(out);
    EXPECT_LE(out->size(), 512u);
    const Decoded d = *test::decode(*out);
    EXPECT_TRUE(d.tc());
    EXPECT_TRUE(d.aa());
    EXPECT_EQ(d.question.size(), 1u);
    EXPECT_TRUE(d.answer.empty() && d.authority.empty() && d.additional.empty());
}

TEST_F(AnswererTest, EdnsSizeIsMinOfClientAndOursWithFloor512) {
    // 30 AAAA: 12 + 27 + 30 * 28 + 11 = 890 octets.
    EXPECT_FALSE(ask(QueryBuilder("big.cloud.example.com", qt::AAAA).edns(test::edns_of(1232, false, 0))).tc());
    EXPECT_TRUE(ask(QueryBuilder("big.cloud.example.com", qt::AAAA).edns(test::edns_of(889, false, 0))).tc());
    EXPECT_FALSE(ask(QueryBuilder("big.cloud.example.com", qt::AAAA).edns(test::edns_of(890, false, 0))).tc());
    const Decoded d = ask(QueryBuilder("big.cloud.example.com", qt::AAAA).edns(test::edns_of(100, true, 0)));
    EXPECT_TRUE(d.tc());
    EXPECT_TRUE(d.has_opt);
    EXPECT_TRUE(d.opt_do);

    AnswererSettings small_settings;
    small_settings.udp_payload_size = 600;
    Answerer small(small_settings);
    const auto out = small.answer(QueryBuilder("big.cloud.example.com", qt::AAAA).edns(test::edns_of(4096, false, 0)).bytes(), context_, *view_);
    EXPECT_TRUE(test::decode(*out)->tc());
}

TEST_F(AnswererTest, TcpHasNoUdpLimit) {
    context_.transport = Transport::tcp;
    const Decoded d = ask(QueryBuilder("big.cloud.example.com", qt::AAAA));
    EXPECT_FALSE(d.tc());
    EXPECT_EQ(d.answer.size(), 30u);
}

// ---- malformed ----

TEST_F(AnswererTest, ShortOrResponseMessagesDropped) {
    EXPECT_FALSE(raw({}));
    EXPECT_FALSE(raw(Bytes(11, 0)));
    EXPECT_FALSE(raw(QueryBuilder("single.cloud.example.com", qt::A).with_flags(0x8100).bytes()));
    Bytes header_only(12, 0);
    header_only[2] = 0x80;
    EXPECT_FALSE(raw(header_only));
}

TEST_F(AnswererTest, FormerrEchoesIdAndOpcodeOnly) {
    Bytes header(12, 0);
    header[0] = 0xab;
    header[1] = 0xcd;
    header[2] = 0x01;  // RD
    header[5] = 2;     // QDCOUNT 2
    const Decoded d = ask(header);
    EXPECT_EQ(d.id, 0xabcd);
    EXPECT_EQ(d.rcode, 1);
    EXPECT_EQ(d.flags, 0x8000 | 0x0100 | 1);
    EXPECT_TRUE(d.question.empty());
}

TEST_F(AnswererTest, QdcountZeroFormerrUnlessCookie) {
    Bytes q(12, 0);
    EXPECT_EQ(ask(q).rcode, 1);
    EdnsSpec e;
    e.option(10, {1, 2, 3, 4, 5, 6, 7, 8});
    Bytes with_cookie = q;
    with_cookie[11] = 1;
    const Bytes opt = test::opt_record(e);
    with_cookie.insert(with_cookie.end(), opt.begin(), opt.end());
    const Decoded d = ask(with_cookie);
    EXPECT_EQ(d.rcode, 0);
    EXPECT_TRUE(d.question.empty() && d.answer.empty());
    EXPECT_EQ(d.opt_data.size(), 4u + 24u);
}

TEST_F(AnswererTest, BadQuestionNamesFormerrWithoutQuestion) {
    const Bytes base = QueryBuilder("single.cloud.example.com", qt::A).bytes();
    std::vector<Bytes> bad;
    Bytes pointer = base;  // compression pointer in the question
    pointer.resize(12);
    for (uint8_t b : Bytes{3, 'w', 'w', 'w', 0xc0, 12, 0, 1, 0, 1}) pointer.push_back(b);
    bad.push_back(pointer);
    Bytes reserved = base;  // 0x40 label type
    reserved[12] = 0x46;
    bad.push_back(reserved);
    Bytes cut = base;  // name runs off the end
    cut.resize(20);
    bad.push_back(cut);
    Bytes no_type = base;  // QTYPE/QCLASS missing
    no_type.resize(base.size() - 2);
    bad.push_back(no_type);
    Bytes long_name(12, 0);  // 5 labels of 63: 321 octets
    long_name[5] = 1;
    for (int l = 0; l < 5; ++l) {
        long_name.push_back(63);
        long_name.insert(long_name.end(), 63, 'a');
    }
    for (uint8_t b : Bytes{0, 0, 1, 0, 1}) long_name.push_back(b);
    bad.push_back(long_name);
    for (const Bytes& q : bad) {
        const Decoded d = ask(q);
        EXPECT_EQ(d.rcode, 1);
        EXPECT_TRUE(d.question.empty());
        EXPECT_FALSE(d.has_opt);
    }
}

TEST_F(AnswererTest, TrailingOctetsFormerrWithQuestion) {
    Bytes q = QueryBuilder("single.cloud.example.com", qt::A).bytes();
    q.push_back(0);
    const Decoded d = ask(q);
    EXPECT_EQ(d.rcode, 1);
    EXPECT_EQ(d.question, Strings{"single.cloud.example.com.\tIN\tA"});
    EXPECT_TRUE(d.answer.empty());
}

TEST_F(AnswererTest, OptOutsideAdditionalOrTwiceFormerr) {
    const Bytes base = QueryBuilder("single.cloud.example.com", qt::A).bytes();
    const Bytes opt = test::opt_record({});
    Bytes in_answer = base;
    in_answer[7] = 1;  // ANCOUNT 1
    in_answer.insert(in_answer.end(), opt.begin(), opt.end());
    Bytes twice = base;
    twice[11] = 2;
    twice.insert(twice.end(), opt.begin(), opt.end());
    twice.insert(twice.end(), opt.begin(), opt.end());
    Bytes not_root = base;
    not_root[11] = 1;
    for (uint8_t b : Bytes{1, 'a', 0}) not_root.push_back(b);
    not_root.insert(not_root.end(), opt.begin() + 1, opt.end());
    EdnsSpec bad_opts;
    bad_opts.options = {0, 10, 0, 8, 1};  // option length runs past RDLENGTH
    Bytes bad_options = QueryBuilder("single.cloud.example.com", qt::A).edns(bad_opts).bytes();
    for (const Bytes& q : {in_answer, twice, not_root, bad_options}) {
        const Decoded d = ask(q);
        EXPECT_EQ(d.rcode, 1);
        EXPECT_FALSE(d.has_opt);
        EXPECT_EQ(d.question.size(), 1u);
    }
}

TEST_F(AnswererTest, CompressionLoopInAdditionalFormerr) {
    Bytes q = QueryBuilder("single.cloud.example.com", qt::A).bytes();
    q[11] = 1;
    const size_t at = q.size();
    for (uint8_t b : Bytes{0xc0, static_cast<uint8_t>(at), 0, 1, 0, 1, 0, 0, 0, 0, 0, 0}) q.push_back(b);  // points at itself
    EXPECT_EQ(ask(q).rcode, 1);
    // A backward pointer to the question is fine: the record is ignored.
    q[at + 1] = 12;
    const Decoded d = ask(q);
    EXPECT_EQ(d.rcode, 0);
    EXPECT_EQ(d.answer, Strings{kSingle});
}

// ---- cookies ----


TEST_F(AnswererTest, ClientCookieGetsRfc9018ServerCookie) {
    EdnsSpec e;
    e.option(10, hex("2464c4abcf10c957"));
    const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A).edns(e));
    EXPECT_EQ(d.answer, Strings{kSingle});
    // RFC 9018 Appendix A.1.
    Bytes expected{0, 10, 0, 24};
    const Bytes cookie = hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480");
    expected.insert(expected.end(), cookie.begin(), cookie.end());
    EXPECT_EQ(d.opt_data, expected);
}

TEST_F(AnswererTest, StaleServerCookieReplacedWithFreshOne) {
    // RFC 9018 Appendix A.2: the client sends its old cookie 40 minutes later.
    context_.now = 1559734385;
    EdnsSpec e;
    e.option(10, hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480"));
    const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A).edns(e));
    EXPECT_EQ(d.rcode, 0);
    const Bytes cookie = hex("2464c4abcf10c957010000005cf7a871d4a564a1442aca77");
    ASSERT_EQ(d.opt_data.size(), 28u);
    EXPECT_EQ(Bytes(d.opt_data.begin() + 4, d.opt_data.end()), cookie);
}

TEST_F(AnswererTest, CookieInNegativeTruncatedAndBadversResponses) {
    EdnsSpec e;
    e.option(10, hex("2464c4abcf10c957"));
    EXPECT_EQ(ask(QueryBuilder("nope.cloud.example.com", qt::A).edns(e)).opt_data.size(), 28u);
    EdnsSpec small = e;
    small.size = 512;
    const Decoded tc = ask(QueryBuilder("big.cloud.example.com", qt::AAAA).edns(small));
    EXPECT_TRUE(tc.tc());
    EXPECT_EQ(tc.opt_data.size(), 28u);
    EdnsSpec v1 = e;
    v1.version = 1;
    const Decoded bv = ask(QueryBuilder("single.cloud.example.com", qt::A).edns(v1));
    EXPECT_EQ(bv.rcode, 16);
    EXPECT_EQ(bv.opt_data.size(), 28u);
}

TEST_F(AnswererTest, MalformedCookieFormerrWithOptButNoCookie) {
    for (size_t len : {0, 7, 9, 15, 41}) {
        EdnsSpec e;
        e.option(10, Bytes(len, 0x11));
        const Decoded d = ask(QueryBuilder("single.cloud.example.com", qt::A).edns(e));
        EXPECT_EQ(d.rcode, 1) << len;
        EXPECT_TRUE(d.has_opt);
        EXPECT_TRUE(d.opt_data.empty());
        EXPECT_TRUE(d.answer.empty());
    }
    for (size_t len : {8, 16, 40}) {
        EdnsSpec e;
        e.option(10, Bytes(len, 0x11));
        EXPECT_EQ(ask(QueryBuilder("single.cloud.example.com", qt::A).edns(e)).rcode, 0) << len;
    }
    EdnsSpec twice;
    twice.option(10, Bytes(8, 1)).option(10, Bytes(8, 2));
    EXPECT_EQ(ask(QueryBuilder("single.cloud.example.com", qt::A).edns(twice)).rcode, 1);
}

TEST_F(AnswererTest, CookieHashUsesIpv6Address) {
    // RFC 9018 Appendix A.4, the cookie issued under the new secret.
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&context_.client);
    *sin6 = {};
    sin6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8:220:1:59de:d0f4:8769:82b8", &sin6->sin6_addr);
    context_.now = 1559741961;
    AnswererSettings s = settings();
    const Bytes secret = hex("445536bcd2513298075a5d379663c962");
    std::copy(secret.begin(), secret.end(), s.cookie_secret.begin());
    EdnsSpec e;
    e.option(10, hex("22681ab97d52c298010000005cf7c57926556bd0934c72f8"));
    const auto out = Answerer(s).answer(QueryBuilder("single.cloud.example.com", qt::A).edns(e).bytes(), context_, *view_);
    const Bytes cookie = test::decode(*out)->opt_data;
    ASSERT_EQ(cookie.size(), 28u);
    EXPECT_EQ(Bytes(cookie.begin() + 4, cookie.end()), hex("22681ab97d52c298010000005cf7c609a6bb79d16625507a"));
}

}  // namespace
}  // namespace xgslb
