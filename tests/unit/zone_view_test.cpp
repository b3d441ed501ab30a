#include "userspace/zone_view.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "userspace/error.h"

namespace xgslb {
namespace {

WireName W(const char* text) { return name_to_wire(text); }

std::shared_ptr<const ZoneView> view_of(const std::string& yaml) {
    return ZoneView::build(parse_config(yaml, "test.yaml"));
}

const char* const kTwoZones = R"(instance: eu
zones:
  - zone: cloud.example.com
    negativeTtl: 60
  - zone: sub.cloud.example.com
    ns: [ns.example.net]
dns:
  listen: ["10.77.0.2:53", "[2001:db8::53]:53", "0.0.0.0:5353"]
records:
  - name: roundrobin.cloud.example.com
    a: [172.18.0.4, 172.18.0.3, 172.18.0.4]
  - name: a.b.c.cloud.example.com
    ttl: 5
    aaaa: ["2001:db8::3"]
  - name: deleg.cloud.example.com
    ns: [ns.deleg.cloud.example.com]
  - name: ns.deleg.cloud.example.com
    a: [192.0.2.1]
  - name: "*.wild.cloud.example.com"
    txt: [hello]
  - name: alias.cloud.example.com
    cname: roundrobin.cloud.example.com
  - name: www.sub.cloud.example.com
    a: [192.0.2.7]
)";

std::vector<std::string> owners(const Zone& z) {
    std::vector<std::string> out;
    for (const Node* node : z.nodes()) out.push_back(wire_to_name(node->owner));
    return out;
}

TEST(ZoneView, ApexHasSoaAndDefaultNsWithGlueFromListen) {
    const auto view = view_of(kTwoZones);
    const Zone* z = view->find_zone(W("cloud.example.com"));
    ASSERT_NE(z, nullptr);
    EXPECT_EQ(z->apex(), W("cloud.example.com"));
    EXPECT_EQ(z->soa().mname, W("ns1.cloud.example.com"));
    EXPECT_EQ(z->soa().rname, W("hostmaster.cloud.example.com"));
    EXPECT_EQ(z->soa().minimum, 60u);
    EXPECT_EQ(z->negative_ttl(), 60u);  // min(3600, 60)

    const Node& apex = z->apex_node();
    const RRset* soa = apex.find(rrtype::SOA);
    ASSERT_NE(soa, nullptr);
    EXPECT_EQ(soa->ttl, 3600u);
    ASSERT_EQ(soa->rdata.size(), 1u);
    EXPECT_EQ(soa->rdata[0], rdata_soa(z->soa()));
    const RRset* ns = apex.find(rrtype::NS);
    ASSERT_NE(ns, nullptr);
    EXPECT_EQ(ns->ttl, 3600u);
    EXPECT_EQ(ns->rdata, std::vector<Rdata>{W("ns1.cloud.example.com")});

    // Glue is the specific listen addresses; the wildcard 0.0.0.0 is no address to give out.
    const Node* ns1 = z->find(W("ns1.cloud.example.com"));
    ASSERT_NE(ns1, nullptr);
    ASSERT_NE(ns1->find(rrtype::A), nullptr);
    EXPECT_EQ(ns1->find(rrtype::A)->rdata, std::vector<Rdata>{Rdata({10, 77, 0, 2})});
    ASSERT_NE(ns1->find(rrtype::AAAA), nullptr);
    EXPECT_EQ(ns1->find(rrtype::AAAA)->rdata[0], rdata_aaaa({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53}));
}

TEST(ZoneView, ExplicitNsAddressesReplaceDefaultGlue) {
    const auto view = view_of(R"(instance: eu
zones: [{zone: example.com}]
dns: {listen: ["10.0.0.1"]}
records:
  - {name: ns1.example.com, aaaa: ["::1"]}
)");
    const Node* ns1 = view->find_zone(W("example.com"))->find(W("ns1.example.com"));
    ASSERT_NE(ns1, nullptr);
    EXPECT_EQ(ns1->find(rrtype::A), nullptr);
    EXPECT_NE(ns1->find(rrtype::AAAA), nullptr);
}

TEST(ZoneView, RecordsAreDeduplicatedInConfigOrder) {
    const auto view = view_of(kTwoZones);
    const Node* rr = view->find_zone(W("roundrobin.cloud.example.com"))->find(W("RoundRobin.Cloud.example.com"));
    ASSERT_NE(rr, nullptr);
    const RRset* a = rr->find(rrtype::A);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->ttl, 30u);
    EXPECT_EQ(a->rdata, (std::vector<Rdata>{{172, 18, 0, 4}, {172, 18, 0, 3}}));
}

TEST(ZoneView, FindZoneIsClosestEnclosingAndCaseInsensitive) {
    const auto view = view_of(kTwoZones);
    EXPECT_EQ(view->find_zone(W("www.SUB.cloud.example.com"))->apex(), W("sub.cloud.example.com"));
    EXPECT_EQ(view->find_zone(W("x.y.Cloud.Example.com"))->apex(), W("cloud.example.com"));
    EXPECT_EQ(view->find_zone(W("example.com")), nullptr);
    EXPECT_EQ(view->find_zone(W(".")), nullptr);
    // Records land in the closest zone: www.sub is not a node of the parent.
    EXPECT_EQ(view->find_zone(W("cloud.example.com"))->find(W("www.sub.cloud.example.com")), nullptr);
    EXPECT_NE(view->find_zone(W("sub.cloud.example.com"))->find(W("www.sub.cloud.example.com")), nullptr);
}

TEST(ZoneView, EmptyNonTerminalsExist) {
    const auto view = view_of(kTwoZones);
    const Zone& z = *view->find_zone(W("cloud.example.com"));
    EXPECT_TRUE(z.name_exists(W("a.b.c.cloud.example.com")));
    EXPECT_TRUE(z.name_exists(W("B.c.cloud.example.com")));  // ENT
    EXPECT_TRUE(z.name_exists(W("c.cloud.example.com")));    // ENT
    EXPECT_EQ(z.find(W("c.cloud.example.com")), nullptr);
    EXPECT_TRUE(z.name_exists(W("cloud.example.com")));
    EXPECT_FALSE(z.name_exists(W("d.cloud.example.com")));
    EXPECT_FALSE(z.name_exists(W("x.a.b.c.cloud.example.com")));
    EXPECT_FALSE(z.name_exists(W("bb.c.cloud.example.com")));
    EXPECT_EQ(z.closest_encloser(W("x.y.b.c.cloud.example.com")), W("b.c.cloud.example.com"));
    EXPECT_EQ(z.closest_encloser(W("nope.cloud.example.com")), W("cloud.example.com"));
}

TEST(ZoneView, ZoneCuts) {
    const auto view = view_of(kTwoZones);
    const Zone& z = *view->find_zone(W("cloud.example.com"));
    const Node* cut = z.find_cut(W("deleg.cloud.example.com"));
    ASSERT_NE(cut, nullptr);
    EXPECT_EQ(cut->owner, W("deleg.cloud.example.com"));
    EXPECT_EQ(z.find_cut(W("x.ns.Deleg.cloud.example.com")), cut);
    EXPECT_EQ(z.find_cut(W("cloud.example.com")), nullptr);  // the apex NS is no cut
    EXPECT_EQ(z.find_cut(W("roundrobin.cloud.example.com")), nullptr);
    // Glue below the cut is kept (a referral needs it).
    EXPECT_NE(z.find(W("ns.deleg.cloud.example.com")), nullptr);
}

TEST(ZoneView, Wildcards) {
    const auto view = view_of(kTwoZones);
    const Zone& z = *view->find_zone(W("cloud.example.com"));
    EXPECT_TRUE(z.has_wildcard());
    EXPECT_FALSE(view->find_zone(W("sub.cloud.example.com"))->has_wildcard());
    const Node* w = z.find_wildcard(W("foo.wild.cloud.example.com"));
    ASSERT_NE(w, nullptr);
    EXPECT_TRUE(w->is_wildcard());
    EXPECT_EQ(w->owner, W("*.wild.cloud.example.com"));
}

TEST(ZoneView, WildcardAppliesOnlyAtTheClosestEncloser) {
    const auto view = view_of(kTwoZones);
    const Zone& z = *view->find_zone(W("cloud.example.com"));
    // a.foo.wild: closest encloser is wild.cloud.example.com (an ENT), so *.wild applies.
    EXPECT_NE(z.find_wildcard(W("a.foo.wild.cloud.example.com")), nullptr);
    // Existing names and names whose encloser has no wildcard child get nothing.
    EXPECT_EQ(z.find_wildcard(W("wild.cloud.example.com")), nullptr);
    EXPECT_EQ(z.find_wildcard(W("x.roundrobin.cloud.example.com")), nullptr);
    EXPECT_EQ(z.find_wildcard(W("nothing.cloud.example.com")), nullptr);
}

TEST(ZoneView, CanonicalOrderRfc4034) {
    // RFC 4034 6.1's example, shuffled.
    std::vector<WireName> names = {W("z.example"),      W("\\200.z.example"), W("a.example"),
                                   W("Z.a.example"),    W("example"),         W("*.z.example"),
                                   W("yljkjljk.a.example"), W("zABC.a.EXAMPLE"), W("\\001.z.example")};
    std::sort(names.begin(), names.end(), CanonicalLess());
    std::vector<std::string> text;
    for (const auto& n : names) text.push_back(wire_to_name(n));
    EXPECT_EQ(text, (std::vector<std::string>{"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
                                              "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
                                              "\\200.z.example."}));
}

TEST(ZoneView, IterationIsSorted) {
    const auto view = view_of(kTwoZones);
    EXPECT_EQ(owners(*view->find_zone(W("cloud.example.com"))),
              (std::vector<std::string>{"cloud.example.com.", "alias.cloud.example.com.", "a.b.c.cloud.example.com.",
                                        "deleg.cloud.example.com.", "ns.deleg.cloud.example.com.",
                                        "ns1.cloud.example.com.", "roundrobin.cloud.example.com.",
                                        "*.wild.cloud.example.com."}));
}

TEST(ZoneView, BuilderRejectsOutOfZoneAndZonesWithoutNs) {
    ZoneView::Builder b;
    Soa soa;
    soa.mname = W("ns.example");
    soa.rname = W("h.example");
    b.add_zone(W("example"), soa);
    EXPECT_THROW(b.add(W("www.other"), rrtype::A, 30, {1, 2, 3, 4}), Error);
    EXPECT_THROW(b.finish(), Error);
}

TEST(ZoneView, RdataEncodings) {
    EXPECT_EQ(rdata_txt("hi"), (Rdata{2, 'h', 'i'}));
    EXPECT_THROW(rdata_txt(std::string(256, 'x')), Error);
    Soa soa;
    soa.mname = W("a");
    soa.rname = W("b");
    soa.serial = 0x01020304;
    soa.refresh = 5;
    soa.retry = 6;
    soa.expire = 7;
    soa.minimum = 8;
    EXPECT_EQ(rdata_soa(soa), (Rdata{1, 'a', 0, 1, 'b', 0, 1, 2, 3, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8}));
}

}  // namespace
}  // namespace xgslb
