// The RFC 2136 UPDATE that keeps the delegation (decoded and verified with ldns), and how the
// edge's responses are judged: applied, refused by policy, unknown key, wrong secret, forged.
#include <gtest/gtest.h>

#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <ldns/ldns.h>

#include <cstdlib>
#include <set>

#include "userspace/edge/delegation.h"

namespace xgslb {
namespace {

const TsigKey kKey{"edge-key.", "hmac-sha256.", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg==", false};
const TsigKey kOtherSecret{"edge-key.", "hmac-sha256.", "b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItMzI=", false};
const DelegationNames kNames{"example.com", "cloud.example.com", "gslb-ns-eu-cloud.example.com", 30};

Delegation wanted() {
    Delegation d{{"gslb-ns-us-cloud.example.com", "gslb-ns-eu-cloud.example.com"}, {{10, 0, 0, 2}}, {}};
    d.normalise();
    return d;
}

struct Decoded {
    ldns_pkt* pkt = nullptr;
    ~Decoded() { ldns_pkt_free(pkt); }
};

// The update section as "owner ttl class type rdata" lines (ldns's presentation), as a set.
std::multiset<std::string> update_lines(const ldns_pkt* p) {
    std::multiset<std::string> out;
    const ldns_rr_list* up = ldns_pkt_authority(p);  // UPDATE's update section is the authority slot
    for (size_t i = 0; up && i < ldns_rr_list_rr_count(up); ++i) {
        char* s = ldns_rr2str(ldns_rr_list_rr(up, i));
        std::string line(s);
        std::free(s);
        while (!line.empty() && line.back() == '\n') line.pop_back();
        for (auto& c : line)
            if (c == '\t') c = ' ';
        out.insert(line);
    }
    return out;
}

TEST(DelegationUpdate, ReplacesOnlyTheRRsetsThatDiffer) {
    Delegation current = wanted();
    current.a = {{10, 0, 0, 9}};  // the NS set is right, the glue is stale
    std::vector<uint8_t> mac;
    const auto wire = build_delegation_update(kNames, current, wanted(), kKey, 0x1234, mac);
    Decoded d;
    ASSERT_EQ(ldns_wire2pkt(&d.pkt, wire.data(), wire.size()), LDNS_STATUS_OK);
    EXPECT_EQ(ldns_pkt_get_opcode(d.pkt), LDNS_PACKET_UPDATE);
    EXPECT_EQ(ldns_pkt_id(d.pkt), 0x1234);
    // Zone section: the edge zone, SOA, IN (RFC 2136 2.3).
    ASSERT_EQ(ldns_pkt_qdcount(d.pkt), 1);
    const ldns_rr* zone = ldns_rr_list_rr(ldns_pkt_question(d.pkt), 0);
    char* zname = ldns_rdf2str(ldns_rr_owner(zone));
    EXPECT_STREQ(zname, "example.com.");
    std::free(zname);
    EXPECT_EQ(ldns_rr_get_type(zone), LDNS_RR_TYPE_SOA);
    EXPECT_EQ(ldns_pkt_ancount(d.pkt), 0);  // no prerequisites
    EXPECT_EQ(update_lines(d.pkt), (std::multiset<std::string>{
                                       "gslb-ns-eu-cloud.example.com. 0 ANY A \\# 0",
                                       "gslb-ns-eu-cloud.example.com. 30 IN A 10.0.0.2",
                                   }));
    // Signed with the key: ldns verifies the MAC over the message as sent.
    ASSERT_TRUE(ldns_pkt_tsig(d.pkt));
    EXPECT_TRUE(ldns_pkt_tsig_verify(d.pkt, wire.data(), wire.size(), kKey.name.c_str(), kKey.secret.c_str(), nullptr));
    EXPECT_FALSE(ldns_pkt_tsig_verify(d.pkt, wire.data(), wire.size(), kKey.name.c_str(), kOtherSecret.secret.c_str(),
                                      nullptr));
    ASSERT_EQ(mac.size(), 32u);  // hmac-sha256, without the size field
    const ldns_rdf* sent = ldns_rr_rdf(ldns_pkt_tsig(d.pkt), 3);
    EXPECT_EQ(std::vector<uint8_t>(ldns_rdf_data(sent) + 2, ldns_rdf_data(sent) + ldns_rdf_size(sent)), mac);
}

TEST(DelegationUpdate, FromNothingWritesNsAndGlue) {
    Delegation want = wanted();
    want.aaaa = {{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    std::vector<uint8_t> mac;
    const auto wire = build_delegation_update(kNames, Delegation{}, want, kKey, 7, mac);
    Decoded d;
    ASSERT_EQ(ldns_wire2pkt(&d.pkt, wire.data(), wire.size()), LDNS_STATUS_OK);
    EXPECT_EQ(update_lines(d.pkt), (std::multiset<std::string>{
                                       "cloud.example.com. 0 ANY NS \\# 0",
                                       "cloud.example.com. 30 IN NS gslb-ns-eu-cloud.example.com.",
                                       "cloud.example.com. 30 IN NS gslb-ns-us-cloud.example.com.",
                                       "gslb-ns-eu-cloud.example.com. 0 ANY A \\# 0",
                                       "gslb-ns-eu-cloud.example.com. 30 IN A 10.0.0.2",
                                       "gslb-ns-eu-cloud.example.com. 0 ANY AAAA \\# 0",
                                       "gslb-ns-eu-cloud.example.com. 30 IN AAAA fd00::2",
                                   }));
}

TEST(DelegationUpdate, NormaliseMakesOrderAndCaseIrrelevant) {
    Delegation a{{"B.example.com.", "a.example.com"}, {{1, 2, 3, 4}, {1, 2, 3, 4}}, {}};
    Delegation b{{"a.example.com.", "b.example.com."}, {{1, 2, 3, 4}}, {}};
    a.normalise();
    b.normalise();
    EXPECT_EQ(a, b);
}

// A response to `request` as the edge would send it: QR, the rcode, signed with `key` over the
// request's MAC (or unsigned with a TSIG error when `tsig_error` is set).
std::vector<uint8_t> response(const std::vector<uint8_t>& request, const std::vector<uint8_t>& mac, uint8_t rcode,
                              const TsigKey* key, uint16_t tsig_error = 0) {
    ldns_pkt* p = nullptr;
    EXPECT_EQ(ldns_wire2pkt(&p, request.data(), request.size()), LDNS_STATUS_OK);
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_rcode(p, rcode);
    ldns_rr_list_deep_free(ldns_pkt_authority(p));
    ldns_pkt_set_authority(p, ldns_rr_list_new());
    ldns_pkt_set_nscount(p, 0);
    ldns_rr* request_tsig = ldns_rr_clone(ldns_pkt_tsig(p));
    ldns_pkt_set_tsig(p, nullptr);
    if (key) {
        std::vector<uint8_t> m = mac;
        ldns_rdf* mac_rdf = ldns_native2rdf_int16_data(m.size(), m.data());
        EXPECT_EQ(ldns_pkt_tsig_sign(p, key->name.c_str(), key->secret.c_str(), 300, key->algorithm.c_str(), mac_rdf),
                  LDNS_STATUS_OK);
        ldns_rdf_deep_free(mac_rdf);
    } else if (tsig_error) {
        ldns_rr* rr = ldns_rr_new();
        ldns_rr_set_owner(rr, ldns_rdf_clone(ldns_rr_owner(request_tsig)));
        ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
        ldns_rr_set_type(rr, LDNS_RR_TYPE_TSIG);
        for (size_t i = 0; i < 7; ++i) {
            if (i == 3) ldns_rr_push_rdf(rr, ldns_native2rdf_int16_data(0, nullptr));
            else if (i == 5) ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, tsig_error));
            else ldns_rr_push_rdf(rr, ldns_rdf_clone(ldns_rr_rdf(request_tsig, i)));
        }
        ldns_pkt_set_tsig(p, rr);
    }
    ldns_rr_free(request_tsig);
    uint8_t* wire = nullptr;
    size_t len = 0;
    EXPECT_EQ(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
    std::vector<uint8_t> out(wire, wire + len);
    std::free(wire);
    ldns_pkt_free(p);
    return out;
}

class UpdateResponse : public ::testing::Test {
protected:
    void SetUp() override { request_ = build_delegation_update(kNames, Delegation{}, wanted(), kKey, 99, mac_); }
    std::vector<uint8_t> request_, mac_;
};

TEST_F(UpdateResponse, SignedNoerrorIsApplied) {
    EXPECT_EQ(judge_update_response(response(request_, mac_, 0, &kKey), kKey, mac_), std::nullopt);
}

TEST_F(UpdateResponse, SignedWithAnotherSecretIsNotTrusted) {
    const auto why = judge_update_response(response(request_, mac_, 0, &kOtherSecret), kKey, mac_);
    ASSERT_TRUE(why);
    EXPECT_EQ(*why, "NOERROR but the response's TSIG does not verify with key 'edge-key.'");
}

TEST_F(UpdateResponse, UnsignedNoerrorIsNotTrusted) {
    EXPECT_EQ(judge_update_response(response(request_, mac_, 0, nullptr), kKey, mac_),
              "NOERROR but unsigned: the response cannot be trusted");
}

TEST_F(UpdateResponse, RefusedNamesThePolicy) {
    EXPECT_EQ(judge_update_response(response(request_, mac_, 5, &kKey), kKey, mac_),
              "REFUSED: the edge's update-policy does not let key 'edge-key.' change these names");
}

TEST_F(UpdateResponse, TsigErrorsSayWhatIsWrong) {
    EXPECT_EQ(judge_update_response(response(request_, mac_, 9, nullptr, 17), kKey, mac_),
              "NOTAUTH, TSIG error BADKEY: the edge does not know key 'edge-key.' with hmac-sha256.");
    EXPECT_EQ(judge_update_response(response(request_, mac_, 9, nullptr, 16), kKey, mac_),
              "NOTAUTH, TSIG error BADSIG: the edge's secret for key 'edge-key.' differs from ours");
    EXPECT_EQ(judge_update_response(response(request_, mac_, 9, nullptr, 18), kKey, mac_),
              "NOTAUTH, TSIG error BADTIME: our clock and the edge's differ by more than the fudge");
}

}  // namespace
}  // namespace xgslb
