#include "userspace/zone_export.h"

#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <cstdio>
#include <set>

#include "userspace/error.h"

namespace xgslb {
namespace {

WireName W(const char* text) { return name_to_wire(text); }

const char* const kConfig = R"yaml(instance: eu
zones:
  - zone: cloud.example.com
    negativeTtl: 45
  - zone: short.example.org
    negativeTtl: 600
    soa: {ttl: 20, serial: 7}
dns:
  listen: ["10.77.0.2:53", "[fd77::2]:53"]
records:
  - name: roundrobin.cloud.example.com
    a: [172.18.0.4, 172.18.0.3]
    aaaa: ["2001:db8::3"]
  - name: app.eu.cloud.example.com
    a: [172.18.0.20]
  - name: deleg.cloud.example.com
    ttl: 300
    ns: [ns.deleg.cloud.example.com, ns.example.net]
  - name: ns.deleg.cloud.example.com
    a: [192.0.2.1]
  - name: "*.wild.cloud.example.com"
    txt: [hello, "with \"quotes\" and \\ and ; (parens)"]
  - name: alias.cloud.example.com
    cname: roundrobin.cloud.example.com
  - name: www.short.example.org
    ttl: 60
    a: [192.0.2.1]
)yaml";

std::shared_ptr<const ZoneView> view_of(const std::string& yaml) {
    return ZoneView::build(parse_config(yaml, "test.yaml"));
}

// Every record of a zone as one uncompressed wire RR (owner, type, class IN, TTL, rdata).
using WireRecords = std::multiset<std::vector<uint8_t>>;

std::vector<uint8_t> wire_rr(const WireName& owner, uint16_t type, uint32_t ttl, const Rdata& rdata) {
    std::vector<uint8_t> out = owner;
    for (uint32_t v : {uint32_t{type} << 16 | 1u, ttl}) {
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
    }
    out.push_back(static_cast<uint8_t>(rdata.size() >> 8));
    out.push_back(static_cast<uint8_t>(rdata.size()));
    out.insert(out.end(), rdata.begin(), rdata.end());
    return out;
}

WireRecords records_of(const Zone& zone) {
    WireRecords out;
    for (const Node* node : zone.nodes())
        for (const auto& [type, set] : node->rrsets)
            for (const Rdata& rd : set.rdata) out.insert(wire_rr(node->owner, type, set.ttl, rd));
    return out;
}

// The text parsed by ldns's zone parser (an independent master-file reader), back as wire RRs.
// The SOA must come first: ldns takes the first SOA as the zone's.
WireRecords parse_with_ldns(const std::string& text) {
    FILE* f = fmemopen(const_cast<char*>(text.data()), text.size(), "r");
    if (!f) throw Error("fmemopen");
    ldns_zone* zone = nullptr;
    int line = 0;
    const ldns_status status = ldns_zone_new_frm_fp_l(&zone, f, nullptr, 0, LDNS_RR_CLASS_IN, &line);
    std::fclose(f);
    if (status != LDNS_STATUS_OK)
        throw Error(std::string("ldns: ") + ldns_get_errorstr_by_id(status) + " at line " + std::to_string(line));
    WireRecords out;
    auto add = [&](const ldns_rr* rr) {
        uint8_t* wire = nullptr;
        size_t size = 0;
        EXPECT_EQ(ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &size), LDNS_STATUS_OK);
        out.insert(std::vector<uint8_t>(wire, wire + size));
        LDNS_FREE(wire);
    };
    EXPECT_NE(ldns_zone_soa(zone), nullptr) << "no SOA first";
    if (ldns_zone_soa(zone)) add(ldns_zone_soa(zone));
    const ldns_rr_list* rrs = ldns_zone_rrs(zone);
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i) add(ldns_rr_list_rr(rrs, i));
    ldns_zone_deep_free(zone);
    return out;
}

TEST(ZoneExport, GoldenTextSoaFirstThenCanonicalOrderTypesAscending) {
    const auto view = view_of(kConfig);
    EXPECT_EQ(export_zone(find_zone_by_apex(*view, "short.example.org")),
              "; zone short.example.org.\n"
              "short.example.org. 20 IN SOA ns1.short.example.org. hostmaster.short.example.org. 7 7200 1800 "
              "1209600 600\n"
              "short.example.org. 3600 IN NS ns1.short.example.org.\n"
              "ns1.short.example.org. 3600 IN A 10.77.0.2\n"
              "ns1.short.example.org. 3600 IN AAAA fd77::2\n"
              "www.short.example.org. 60 IN A 192.0.2.1\n");
    const std::string cloud = export_zone(find_zone_by_apex(*view, "Cloud.Example.COM."));
    // Owners in canonical order (a name right before its descendants; "*" sorts before letters),
    // records of a set by their octets (172.18.0.3 before .4 whatever the config's order).
    const std::vector<std::string> expected_owners = {
        "cloud.example.com. 3600 IN SOA", "cloud.example.com. 3600 IN NS",
        "alias.cloud.example.com. 30 IN CNAME roundrobin.cloud.example.com.",
        "deleg.cloud.example.com. 300 IN NS ns.deleg.cloud.example.com.",
        "deleg.cloud.example.com. 300 IN NS ns.example.net.",
        "ns.deleg.cloud.example.com. 30 IN A 192.0.2.1",
        "app.eu.cloud.example.com. 30 IN A 172.18.0.20",
        "ns1.cloud.example.com. 3600 IN A 10.77.0.2",
        "ns1.cloud.example.com. 3600 IN AAAA fd77::2",
        "roundrobin.cloud.example.com. 30 IN A 172.18.0.3",
        "roundrobin.cloud.example.com. 30 IN A 172.18.0.4",
        "roundrobin.cloud.example.com. 30 IN AAAA 2001:db8::3",
        "*.wild.cloud.example.com. 30 IN TXT \"hello\"",
        "*.wild.cloud.example.com. 30 IN TXT \"with \\\"quotes\\\" and \\\\ and ; (parens)\"",
    };
    size_t from = 0;
    for (const auto& line : expected_owners) {
        const size_t at = cloud.find(line, from);
        ASSERT_NE(at, std::string::npos) << "missing or out of order: " << line << "\nin:\n" << cloud;
        from = at + line.size();
    }
    EXPECT_EQ(cloud.find("$ORIGIN"), std::string::npos);
    EXPECT_EQ(cloud.find("$TTL"), std::string::npos);
}

TEST(ZoneExport, RoundTripsThroughLdnsWithTheSameRecords) {
    const auto view = view_of(kConfig);
    for (const auto& [apex, zone] : view->zones()) {
        const std::string text = export_zone(zone);
        EXPECT_EQ(parse_with_ldns(text), records_of(zone)) << text;
    }
}

TEST(ZoneExport, OddOctetsAndUnknownTypesRoundTrip) {
    // Names and strings with octets a master file treats as syntax, a TXT of several strings,
    // an empty string, and types without a presentation form here (RFC 3597).
    ZoneView::Builder b;
    Soa soa;
    soa.mname = W("ns.example.");
    soa.rname = W("h\\.ost.example.");
    b.add_zone(W("example."), soa);
    b.add(W("example."), rrtype::NS, 3600, rdata_name(W("ns.example.")));
    const WireName odd{9, 'a', ' ', '"', ';', '(', ')', '@', '$', 0x01, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    b.add(odd, rrtype::A, 5, Rdata{192, 0, 2, 9});
    b.add(odd, rrtype::TXT, 5, Rdata{3, 'a', 'b', 'c', 0, 4, 0x00, 0x7f, 0xff, '\\'});
    b.add(W("mx.example."), 15, 60, Rdata{0, 10, 2, 'm', 'x', 0});           // MX: no form here
    b.add(W("empty.example."), 65280, 60, Rdata{});                          // private type, no rdata
    b.add(W("bad.example."), rrtype::CNAME, 60, Rdata{3, 'b', 'a'});       // not a name: \# form
    const auto view = b.finish();
    const Zone& zone = find_zone_by_apex(*view, "example");
    const std::string text = export_zone(zone);
    EXPECT_NE(text.find("a\\032\\\"\\;\\(\\)\\@\\$\\001.example. 5 IN A 192.0.2.9"), std::string::npos) << text;
    EXPECT_NE(text.find("IN TXT \"abc\" \"\" \"\\000\\127\\255\\\\\""), std::string::npos) << text;
    EXPECT_NE(text.find("mx.example. 60 IN TYPE15 \\# 6 000a026d7800"), std::string::npos) << text;
    EXPECT_NE(text.find("empty.example. 60 IN TYPE65280 \\# 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("bad.example. 60 IN TYPE5 \\# 3 036261"), std::string::npos) << text;
    // ldns cannot read an RFC 3597 record of a type it knows (TYPE5, TYPE15): compare the rest.
    std::string known;
    for (size_t at = 0, end; at < text.size(); at = end + 1) {
        end = text.find('\n', at);
        const std::string line = text.substr(at, end - at);
        if (line.rfind("mx.", 0) != 0 && line.rfind("bad.", 0) != 0) known += line + "\n";
    }
    WireRecords expected;
    for (const auto& record : records_of(zone)) {
        const WireName mx = W("mx.example."), bad = W("bad.example.");
        if (!std::equal(mx.begin(), mx.end(), record.begin()) && !std::equal(bad.begin(), bad.end(), record.begin()))
            expected.insert(record);
    }
    EXPECT_EQ(parse_with_ldns(known), expected) << known;
}

TEST(ZoneExport, SameDataInAnotherOrderGivesTheSameText) {
    const auto a = view_of(kConfig);
    std::string reordered = kConfig;
    reordered.replace(reordered.find("[172.18.0.4, 172.18.0.3]"), 24, "[172.18.0.3, 172.18.0.4]");
    const auto b = view_of(reordered);
    EXPECT_EQ(export_zones(*a), export_zones(*b));
}

TEST(ZoneExport, AllZonesInCanonicalOrderOfApexes) {
    const auto view = view_of(kConfig);
    const std::string all = export_zones(*view);
    const size_t cloud = all.find("; zone cloud.example.com.\n"), org = all.find("; zone short.example.org.\n");
    ASSERT_NE(cloud, std::string::npos);
    ASSERT_NE(org, std::string::npos);
    EXPECT_LT(cloud, org);  // com before org
}

TEST(ZoneExport, UnknownZoneNamesTheServedOnes) {
    const auto view = view_of(kConfig);
    try {
        find_zone_by_apex(*view, "example.com");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "no zone example.com. is served (zones: cloud.example.com., short.example.org.)");
    }
    // A name inside a zone is not its apex.
    EXPECT_THROW(find_zone_by_apex(*view, "www.short.example.org"), Error);
    EXPECT_THROW(find_zone_by_apex(*view, "a..b"), Error);
}

}  // namespace
}  // namespace xgslb
