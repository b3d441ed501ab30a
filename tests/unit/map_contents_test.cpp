#include "userspace/map_contents.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <memory>

#include "userspace/error.h"
#include "userspace/inet_checksum.h"
#include "userspace/view_assembly.h"
#include "userspace/zone_view.h"

namespace xgslb {
namespace {

const uint64_t kSeed[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};

WireName W(const char* text) { return name_to_wire(text); }
xgslb_name_hash H(const char* text) { return hash_wire_name(W(text), kSeed); }

// What build_map_contents must choose when no zones clash.
uint32_t expected_zone_id(const char* apex) {
    const auto id = static_cast<uint32_t>(H(apex).hash);
    return id ? id : 1;
}

std::string big_record() {
    std::string a = "  - name: big.cloud.example.com\n    a: [";
    for (int i = 1; i <= XGSLB_MAX_RRSET_RECORDS + 1; ++i) a += (i > 1 ? ", 10.1.0." : "10.1.0.") + std::to_string(i);
    return a + "]\n";
}

const std::string kConfig = R"(instance: eu
zones:
  - zone: cloud.example.com
dns:
  listen: ["10.77.0.2:53", "[2001:db8::53]:5353"]
records:
  - name: roundrobin.cloud.example.com
    a: [172.18.0.3, 172.18.0.4]
    aaaa: ["2001:db8::3"]
  - name: a.b.cloud.example.com
    a: [10.0.0.1]
  - name: txt.cloud.example.com
    txt: [x]
    a: [10.0.0.2]
  - name: alias.cloud.example.com
    cname: roundrobin.cloud.example.com
  - name: deleg.cloud.example.com
    ns: [ns.deleg.cloud.example.com]
  - name: ns.deleg.cloud.example.com
    a: [192.0.2.1]
  - name: x.y.deleg.cloud.example.com
    a: [192.0.2.2]
)" + big_record();

std::shared_ptr<const ZoneView> view_of(const std::string& yaml) {
    return ZoneView::build(parse_config(yaml, "test.yaml"));
}

// Reads the word the way the XDP program does, octet by octet, so the test does not share the
// memcpy/le64toh path of the code under test.
xgslb_name_hash reference_hash(const WireName& name, const uint64_t seed[2]) {
    auto rotl = [](uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); };
    auto fmix = [](uint64_t k) {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdULL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53ULL;
        return k ^ (k >> 33);
    };
    const WireName lower = lowercase(name);
    uint64_t h = seed[0], c = seed[1];
    for (size_t off = 0; off < lower.size(); off += 8) {
        uint64_t w = 0;
        for (size_t i = 0; i < 8 && off + i < lower.size(); ++i) w |= uint64_t(lower[off + i]) << (8 * i);
        h = rotl(h ^ w, 29) * 0x9e3779b97f4a7c15ULL;
        c = rotl(c + w, 31) * 0xc2b2ae3d27d4eb4fULL;
    }
    return {fmix(h ^ lower.size()), fmix(c ^ (uint64_t(lower.size()) << 32))};
}

// The full values (packed entries are expanded on the way out); null when absent.
std::shared_ptr<const xgslb_name> name_entry(const MapContents& m, const char* text) {
    xgslb_name_key k{};
    k.hash = H(text).hash;
    return m.names.count(k) ? std::make_shared<const xgslb_name>(m.names.at(k)) : nullptr;
}

std::shared_ptr<const xgslb_rrset> rrset_entry(const MapContents& m, const char* text, uint16_t type) {
    xgslb_rrset_key k{};
    k.name_hash = H(text).hash;
    k.qtype = type;
    return m.rrsets.count(k) ? std::make_shared<const xgslb_rrset>(m.rrsets.at(k)) : nullptr;
}

template <size_t N>
void expect_zero_from(const uint8_t (&bytes)[N], size_t from, const char* what) {
    for (size_t i = from; i < N; ++i) ASSERT_EQ(bytes[i], 0) << what << " byte " << i;
}
template <size_t N>
void expect_text(const char (&text)[N], const std::string& expected) {
    EXPECT_EQ(std::string(text), expected);
    for (size_t i = expected.size(); i < N; ++i) ASSERT_EQ(text[i], 0) << "text byte " << i;
}

TEST(NameHash, MatchesTheWordByWordDefinition) {
    for (const char* n : {".", "a.", "cloud.example.com.", "roundrobin.cloud.example.com.", "abcdefg.", "abcdefgh.",
                          "xn--bcher-kva.example.", "\\200\\255.example."}) {
        const auto h = H(n), r = reference_hash(W(n), kSeed);
        EXPECT_EQ(h.hash, r.hash) << n;
        EXPECT_EQ(h.check, r.check) << n;
    }
}

TEST(NameHash, IgnoresCaseOnlyInAsciiLetters) {
    EXPECT_EQ(H("RoundRobin.Cloud.EXAMPLE.com").hash, H("roundrobin.cloud.example.com").hash);
    EXPECT_EQ(H("RoundRobin.Cloud.EXAMPLE.com").check, H("roundrobin.cloud.example.com").check);
    EXPECT_NE(H("a[.example").hash, H("a{.example").hash);  // '[' is 'Z'+1, '{' is 'z'+1
}

TEST(NameHash, AcceptsSeedsAsSettingsHoldThem) {
    xgslb_settings settings{};
    settings.hash_seed[0] = kSeed[0];
    settings.hash_seed[1] = kSeed[1];
    EXPECT_EQ(hash_wire_name(W("example.com"), settings.hash_seed).hash, H("example.com").hash);
}

TEST(NameHash, DependsOnSeedAndLength) {
    const uint64_t other[2] = {1, 2};
    EXPECT_NE(hash_wire_name(W("example.com"), other).hash, H("example.com").hash);
    EXPECT_NE(H("a.b.").hash, H("ab.").hash);
}

// Pins the function the BPF program must agree with; change both sides or neither.
TEST(NameHash, GoldenValue) {
    const uint64_t seed[2] = {1, 2};
    const auto h = hash_wire_name(W("cloud.example.com"), seed);
    const auto r = reference_hash(W("cloud.example.com"), seed);
    EXPECT_EQ(h.hash, r.hash);
    EXPECT_EQ(h.hash, 0xe700cb670c524f8fULL);
    EXPECT_EQ(h.check, 0xca2113739143fb03ULL);
}

TEST(MapContents, NamesAndFlags) {
    const auto view = view_of(kConfig);
    const MapContents m = build_map_contents(*view, kSeed);
    const uint32_t zone_id = expected_zone_id("cloud.example.com");

    struct Expect {
        const char* name;
        uint32_t flags;
    };
    const Expect expected[] = {
        {"cloud.example.com.", XGSLB_NAME_APEX | XGSLB_NAME_OTHER_TYPES},
        {"ns1.cloud.example.com.", 0},
        {"roundrobin.cloud.example.com.", 0},
        {"a.b.cloud.example.com.", 0},
        {"b.cloud.example.com.", 0},  // empty non-terminal
        {"txt.cloud.example.com.", XGSLB_NAME_OTHER_TYPES},
        {"alias.cloud.example.com.", XGSLB_NAME_OTHER_TYPES | XGSLB_NAME_PASS},
        {"deleg.cloud.example.com.", XGSLB_NAME_OTHER_TYPES | XGSLB_NAME_DELEGATION},
        {"big.cloud.example.com.", XGSLB_NAME_PASS},  // 33 A records do not fit
    };
    EXPECT_EQ(m.names.size(), std::size(expected));
    for (const auto& e : expected) {
        SCOPED_TRACE(e.name);
        const auto n = name_entry(m, e.name);
        ASSERT_NE(n, nullptr);
        EXPECT_EQ(n->flags, e.flags);
        EXPECT_EQ(n->zone_id, zone_id);
        EXPECT_EQ(n->check, H(e.name).check);
        expect_text(n->text, e.name);
    }
    // Nothing below the cut: not the glue, not the ENT between the cut and deeper data.
    EXPECT_EQ(name_entry(m, "ns.deleg.cloud.example.com"), nullptr);
    EXPECT_EQ(name_entry(m, "y.deleg.cloud.example.com"), nullptr);
    EXPECT_EQ(name_entry(m, "x.y.deleg.cloud.example.com"), nullptr);
}

TEST(MapContents, RrsetsOnlyWhereXdpMayAnswer) {
    const MapContents m = build_map_contents(*view_of(kConfig), kSeed);
    EXPECT_NE(rrset_entry(m, "ns1.cloud.example.com", XGSLB_DNS_TYPE_A), nullptr);
    EXPECT_NE(rrset_entry(m, "ns1.cloud.example.com", XGSLB_DNS_TYPE_AAAA), nullptr);
    EXPECT_NE(rrset_entry(m, "roundrobin.cloud.example.com", XGSLB_DNS_TYPE_A), nullptr);
    EXPECT_NE(rrset_entry(m, "roundrobin.cloud.example.com", XGSLB_DNS_TYPE_AAAA), nullptr);
    EXPECT_NE(rrset_entry(m, "a.b.cloud.example.com", XGSLB_DNS_TYPE_A), nullptr);
    EXPECT_NE(rrset_entry(m, "txt.cloud.example.com", XGSLB_DNS_TYPE_A), nullptr);
    EXPECT_EQ(m.rrsets.size(), 6u);  // not big, deleg, anything below deleg, nor the apex
}

TEST(MapContents, ARrsetWireBytes) {
    const MapContents m = build_map_contents(*view_of(kConfig), kSeed);
    const auto r = rrset_entry(m, "roundrobin.cloud.example.com", XGSLB_DNS_TYPE_A);
    ASSERT_NE(r, nullptr);
    const uint8_t expected[] = {
        0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x04, 172, 18, 0, 3,
        0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x04, 172, 18, 0, 4,
    };
    EXPECT_EQ(r->check, H("roundrobin.cloud.example.com").check);
    EXPECT_EQ(r->ttl, 30u);
    EXPECT_EQ(r->count, 2);
    EXPECT_EQ(r->record_len, XGSLB_RR_A_LEN);
    ASSERT_EQ(r->wire_len, sizeof expected);
    for (size_t i = 0; i < sizeof expected; ++i) EXPECT_EQ(r->wire[i], expected[i]) << "wire byte " << i;
    // By hand: each record sums c00c+1+1+0+1e+4+ac12+3 (or +4) = 0x16c45 / 0x16c46.
    EXPECT_EQ(r->wire_csum, 0xd88d);
    EXPECT_EQ(r->selection, XGSLB_SELECT_FIXED);
    EXPECT_EQ(r->group_count, 0);
    // The records again right after (a rotation is one copy), then zeros.
    for (size_t i = 0; i < sizeof expected; ++i) EXPECT_EQ(r->wire[r->wire_len + i], expected[i]) << "second copy byte " << i;
    expect_zero_from(r->wire, 2u * r->wire_len, "rrset wire");
}

TEST(MapContents, AaaaRrsetWireBytes) {
    const MapContents m = build_map_contents(*view_of(kConfig), kSeed);
    const auto r = rrset_entry(m, "roundrobin.cloud.example.com", XGSLB_DNS_TYPE_AAAA);
    ASSERT_NE(r, nullptr);
    const uint8_t expected[] = {0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x10, 0x20, 0x01,
                                0x0d, 0xb8, 0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    3};
    EXPECT_EQ(r->count, 1);
    EXPECT_EQ(r->record_len, XGSLB_RR_AAAA_LEN);
    ASSERT_EQ(r->wire_len, sizeof expected);
    for (size_t i = 0; i < sizeof expected; ++i) EXPECT_EQ(r->wire[i], expected[i]) << "wire byte " << i;
    // c00c+1c+1+0+1e+10+2001+db8+3 = 0xee13
    EXPECT_EQ(r->wire_csum, 0xee13);
    expect_zero_from(r->wire, 2u * r->wire_len, "rrset wire");
}

TEST(MapContents, ZoneEntrySoaWireBytes) {
    const MapContents m = build_map_contents(*view_of(kConfig), kSeed);
    ASSERT_EQ(m.zones.size(), 1u);
    const uint32_t id = expected_zone_id("cloud.example.com");
    ASSERT_EQ(m.zones.count(id), 1u);
    const xgslb_zone& z = m.zones.at(id);
    std::vector<uint8_t> expected = {0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 73};
    const std::string mname = "\3ns1\5cloud\7example\3com";
    const std::string rname = "\12hostmaster\5cloud\7example\3com";
    expected.insert(expected.end(), mname.begin(), mname.end());
    expected.push_back(0);  // root label
    expected.insert(expected.end(), rname.begin(), rname.end());
    expected.push_back(0);
    const uint8_t fields[] = {0, 0, 0, 1,  0, 0, 0x1c, 0x20, 0, 0, 0x07, 0x08, 0, 0x12, 0x75, 0x00, 0, 0, 0, 30};
    expected.insert(expected.end(), std::begin(fields), std::end(fields));
    ASSERT_EQ(expected.size(), 83u);

    EXPECT_EQ(z.apex_len, 19);
    EXPECT_EQ(z.flags, 0);
    ASSERT_EQ(z.soa_wire_len, expected.size());
    for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(z.soa_wire[i], expected[i]) << "soa byte " << i;
    EXPECT_EQ(z.soa_wire_csum, ones_complement_sum(expected.data(), expected.size()));
    expect_zero_from(z.soa_wire, z.soa_wire_len, "soa wire");
    EXPECT_EQ(z.pad[0] | z.pad[1], 0);
    expect_text(z.text, "cloud.example.com.");
}

TEST(MapContents, SoaTtlIsTheSmallerOfTtlAndMinimum) {
    const auto m = build_map_contents(*view_of(R"(instance: eu
zones: [{zone: example.com, negativeTtl: 900, soa: {ttl: 300}}]
dns: {listen: ["10.0.0.1"]}
)"), kSeed);
    const xgslb_zone& z = m.zones.begin()->second;
    EXPECT_EQ((z.soa_wire[4] << 24) | (z.soa_wire[5] << 16) | (z.soa_wire[6] << 8) | z.soa_wire[7], 300);
    EXPECT_EQ(z.soa_wire[z.soa_wire_len - 1], 900 & 0xff);  // minimum itself stays 900
    EXPECT_EQ(z.soa_wire[z.soa_wire_len - 2], 900 >> 8);
}

TEST(MapContents, WildcardZoneFlag) {
    const auto m = build_map_contents(*view_of(R"(instance: eu
zones: [{zone: example.com}, {zone: example.net}]
dns: {listen: ["10.0.0.1"]}
records:
  - {name: "*.example.com", a: [10.0.0.9]}
)"), kSeed);
    ASSERT_EQ(m.zones.size(), 2u);
    const uint32_t com = expected_zone_id("example.com");
    const uint32_t net = expected_zone_id("example.net");
    EXPECT_EQ(m.zones.at(com).flags, XGSLB_ZONE_HAS_WILDCARD);
    EXPECT_EQ(m.zones.at(net).flags, 0);
    // The literal "*" owner is a name like any other.
    ASSERT_NE(name_entry(m, "*.example.com"), nullptr);
    EXPECT_NE(rrset_entry(m, "*.example.com", XGSLB_DNS_TYPE_A), nullptr);
}

TEST(MapContents, ListenKeys) {
    const MapContents m = build_map_contents(*view_of(kConfig), kSeed);
    ASSERT_EQ(m.listen.size(), 2u);
    const xgslb_listen_set set = make_listen_set(m.listen);
    ASSERT_EQ(set.count, 2u);
    EXPECT_EQ(set.pad, 0u);
    EXPECT_EQ(listen_keys(set).size(), 2u);
    for (uint32_t i = 0; i < set.count; ++i) {
        const xgslb_listen_key& k = set.keys[i];
        EXPECT_EQ(k.pad, 0);
        const auto* port = reinterpret_cast<const uint8_t*>(&k.port);  // network byte order
        if (k.family == XGSLB_FAMILY_IPV4) {
            EXPECT_EQ(port[0], 0);
            EXPECT_EQ(port[1], 53);
            const uint8_t addr[16] = {10, 77, 0, 2};
            EXPECT_EQ(std::memcmp(k.addr, addr, 16), 0);
        } else {
            EXPECT_EQ(k.family, XGSLB_FAMILY_IPV6);
            EXPECT_EQ(ntohs(k.port), 5353);
            EXPECT_EQ(port[0], 0x14);
            const uint8_t addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
            EXPECT_EQ(std::memcmp(k.addr, addr, 16), 0);
        }
    }
}

TEST(MapContents, XdpAnswerOverridesListen) {
    const auto m = build_map_contents(*view_of(R"(instance: eu
zones: [{zone: example.com}]
xdp: {answer: ["10.9.9.9:5300"]}
dns: {listen: ["10.0.0.1"]}
)"), kSeed);
    ASSERT_EQ(m.listen.size(), 1u);
    EXPECT_EQ(m.listen.begin()->addr[0], 10);
    EXPECT_EQ(m.listen.begin()->addr[1], 9);
    EXPECT_EQ(ntohs(m.listen.begin()->port), 5300);
}

// A hasher that gives `a` and `b` the same 64-bit key but different checks.
NameHasher clashing(const char* a, const char* b, uint64_t key) {
    const WireName wa = lowercase(W(a)), wb = lowercase(W(b));
    return [=](const WireName& n) {
        xgslb_name_hash h = hash_wire_name(n, kSeed);
        if (lowercase(n) == wa || lowercase(n) == wb) h.hash = key;
        return h;
    };
}

TEST(MapContents, HashClashPassesBothNames) {
    const auto view = view_of(kConfig);
    const MapContents m =
        build_map_contents(*view, clashing("roundrobin.cloud.example.com", "a.b.cloud.example.com", 0x1234));
    xgslb_name_key k{};
    k.hash = 0x1234;
    ASSERT_EQ(m.names.count(k), 1u);
    EXPECT_TRUE(m.names.at(k).flags & XGSLB_NAME_PASS);
    for (const auto& [rk, r] : m.rrsets) EXPECT_NE(rk.name_hash, 0x1234u);
    EXPECT_EQ(m.names.size(), 8u);   // nine names, two of them in one entry
    EXPECT_EQ(m.rrsets.size(), 3u);  // ns1 A+AAAA, txt A
    // The rest is untouched.
    EXPECT_EQ(name_entry(m, "txt.cloud.example.com")->flags, XGSLB_NAME_OTHER_TYPES);
}

TEST(MapContents, ZoneIdsAreApexHashesProbedOnClash) {
    const auto view = view_of(R"(instance: eu
zones: [{zone: example.com}, {zone: example.net}, {zone: example.org}]
dns: {listen: ["10.0.0.1"]}
)");
    // example.com and example.net clash on their low 32 bits; example.org hashes to 0.
    const NameHasher hasher = [](const WireName& n) {
        xgslb_name_hash h = hash_wire_name(n, kSeed);
        const std::string t = wire_to_name(n);
        if (t == "example.com." || t == "example.net.") h.hash = 0xabcd00000000ffffULL;
        if (t == "example.org.") h.hash = 0x7700000000000000ULL;
        return h;
    };
    const MapContents m = build_map_contents(*view, hasher);
    ASSERT_EQ(m.zones.size(), 3u);
    // Canonical order: com < net < org, so com keeps the hash and net probes to +1.
    auto id_of = [&](const char* name) {
        for (const auto& [id, z] : m.zones)
            if (std::string(z.text) == name) return id;
        return 0u;
    };
    EXPECT_EQ(id_of("example.com."), 0xffffu);
    EXPECT_EQ(id_of("example.net."), 0x10000u);
    EXPECT_EQ(id_of("example.org."), 1u);
    // And the names carry them.
    for (const auto& [k, n] : m.names) EXPECT_NE(n.zone_id, 0u);
}

TEST(MapContents, ZoneIdsAreStableAcrossBuilds) {
    const auto a = build_map_contents(*view_of(kConfig), kSeed);
    const auto b = build_map_contents(*view_of(kConfig), kSeed);
    ASSERT_EQ(a.zones.size(), b.zones.size());
    EXPECT_EQ(a.zones.begin()->first, b.zones.begin()->first);
    EXPECT_EQ(a.names.size(), b.names.size());
    for (auto ia = a.names.begin(), ib = b.names.begin(); ia != a.names.end(); ++ia, ++ib)
        EXPECT_TRUE(same_bytes((*ia).second, (*ib).second));
}

TEST(MapContents, NamesOfChildZoneBelongToIt) {
    const auto view = view_of(R"(instance: eu
zones: [{zone: example.com}, {zone: sub.example.com, ns: [ns.example.net]}]
dns: {listen: ["10.0.0.1"]}
records:
  - {name: www.sub.example.com, a: [10.0.0.2]}
)");
    const MapContents m = build_map_contents(*view, kSeed);
    const uint32_t child = expected_zone_id("sub.example.com");
    ASSERT_NE(name_entry(m, "sub.example.com"), nullptr);
    EXPECT_EQ(name_entry(m, "sub.example.com")->zone_id, child);
    EXPECT_EQ(name_entry(m, "sub.example.com")->flags, XGSLB_NAME_APEX | XGSLB_NAME_OTHER_TYPES);
    EXPECT_EQ(name_entry(m, "www.sub.example.com")->zone_id, child);
}

}  // namespace
}  // namespace xgslb

namespace xgslb {
namespace {

// A Weighted and a Geo set: groups with weights, regions and their own checksums; the regions'
// prefixes as LPM trie keys (family octet first, prefixlen counting it).
TEST(MapContents, StrategyGroupsAndGeoTrie) {
    const Config c = load_config(XGSLB_FIXTURES_DIR "/strategies.yaml");
    const auto view = build_view(c, {}, {}, load_geo_regions(c.geoip));
    const MapContents m = build_map_contents(*view, kSeed);
    const auto w = rrset_entry(m, "wrr.cloud.example.com", XGSLB_DNS_TYPE_A);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(w->selection, XGSLB_SELECT_WEIGHTED);
    ASSERT_EQ(w->group_count, 2);
    EXPECT_EQ(w->weight_total, 5);
    EXPECT_EQ(w->groups[0].first, 0);
    EXPECT_EQ(w->groups[0].count, 2);
    EXPECT_EQ(w->groups[0].weight, 1);
    EXPECT_EQ(w->groups[1].first, 2);
    EXPECT_EQ(w->groups[1].weight, 4);
    EXPECT_EQ(w->groups[0].wire_csum, ones_complement_sum(w->wire, 2 * XGSLB_RR_A_LEN));
    EXPECT_EQ(w->groups[1].wire_csum, ones_complement_sum(w->wire + 2 * XGSLB_RR_A_LEN, 2 * XGSLB_RR_A_LEN));

    const auto g = rrset_entry(m, "geo.cloud.example.com", XGSLB_DNS_TYPE_A);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->selection, XGSLB_SELECT_GEO);
    ASSERT_EQ(g->group_count, 2);
    EXPECT_EQ(g->groups[0].region, 1u);  // site1
    EXPECT_EQ(g->groups[1].region, 2u);  // site2

    ASSERT_EQ(m.geo.size(), 2u);
    const auto& [key, value] = *m.geo.begin();
    EXPECT_EQ(key.prefixlen, 8u + 24u);
    EXPECT_EQ(key.family, XGSLB_FAMILY_IPV4);
    EXPECT_EQ(key.addr[0], 192);
    EXPECT_EQ(key.addr[2], 1);
    EXPECT_EQ(value.region, 1u);
    EXPECT_EQ(value.prefix_len, 24);
}

}  // namespace
}  // namespace xgslb

namespace xgslb {
namespace {

// The operator's text: lowercase presentation form, escapes where wire_to_name makes them.
TEST(MapContents, NameTextIsLowercasePresentationForm) {
    const auto m = build_map_contents(*view_of(R"(instance: eu
zones: [{zone: cloud.example.com}]
dns: {listen: ["10.0.0.1"]}
records:
  - {name: Upper.Cloud.example.com, a: [10.0.0.2]}
  - {name: "Dot\\.In.cloud.example.com", a: [10.0.0.3]}
  - {name: "Sp\\032ace.cloud.example.com", a: [10.0.0.4]}
)"),
                                      kSeed);
    expect_text(name_entry(m, "upper.cloud.example.com")->text, "upper.cloud.example.com.");
    expect_text(name_entry(m, "dot\\.in.cloud.example.com")->text, "dot\\.in.cloud.example.com.");
    expect_text(name_entry(m, "sp\\032ace.cloud.example.com")->text, "sp\\032ace.cloud.example.com.");
    expect_text(name_entry(m, "cloud.example.com")->text, "cloud.example.com.");
}

// A view large enough that its entries are made by two threads (two names per GSLB host: the
// host and localtargets-<host>): the halves are joined in key order, every entry intact.
TEST(MapContents, LargeViewMadeInTwoHalvesIsWholeAndInKeyOrder) {
    const Config c = parse_config("instance: eu\ngeoTag: eu\nzones: [{zone: cloud.example.com}]\n"
                                  "dns: {listen: [\"10.77.0.2:53\"]}\n",
                                  "large.yaml");
    constexpr size_t kHosts = 9000;  // 18002 names
    std::vector<GslbHost> hosts(kHosts);
    for (size_t i = 0; i < kHosts; ++i) {
        hosts[i].name = "h" + std::to_string(i) + ".cloud.example.com";
        hosts[i].health = HostHealth::Healthy;
        hosts[i].local.a = {Ipv4Address{10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)}};
    }
    const MapContents m = build_map_contents(*build_view(c, hosts, {}, nullptr), kSeed);
    EXPECT_TRUE(m.names.sorted());
    EXPECT_TRUE(m.rrsets.sorted());
    EXPECT_EQ(m.names.size(), 2 * kHosts + 2);   // + the apex and ns1
    EXPECT_EQ(m.rrsets.size(), 2 * kHosts + 1);  // + ns1 A
    for (size_t i = 0; i < kHosts; i += 7) {
        for (const std::string& name : {hosts[i].name, "localtargets-" + hosts[i].name}) {
            const auto n = name_entry(m, name.c_str());
            ASSERT_NE(n, nullptr) << name;
            EXPECT_EQ(n->check, H(name.c_str()).check);
            expect_text(n->text, name + ".");
            const auto r = rrset_entry(m, name.c_str(), XGSLB_DNS_TYPE_A);
            ASSERT_NE(r, nullptr) << name;
            EXPECT_EQ(r->check, H(name.c_str()).check);
            ASSERT_EQ(r->count, 1);
            EXPECT_EQ(std::memcmp(r->wire + 12, hosts[i].local.a[0].data(), 4), 0) << name;
        }
    }
}

}  // namespace
}  // namespace xgslb
