// Packet tests, generated: every name of the fixture (nodes, empty non-terminals, a missing
// child of each) x several qtypes x letter case x EDNS variants x IPv4/IPv6, each expected
// outcome derived from the ZoneView the maps were published from. Where the table tests pick
// one example per rule, this checks the rules hold for every name the fixture has.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <random>
#include <set>

#include "tests/bpf/packet_test_support.h"

namespace xgslb::test {
namespace {

constexpr uint16_t kQtypes[] = {qtype::A, qtype::AAAA, qtype::MX, qtype::TXT, qtype::SOA, qtype::NS, qtype::CNAME, 33};

struct Variant {
    int ip_version;
    bool mixed_case;
    std::optional<Edns> edns;
};

std::string record_line(const WireName& owner, uint16_t type, uint32_t ttl, const Rdata& rdata) {
    DnsRecord rr;
    rr.name = wire_to_name(lowercase(owner));
    rr.type = type;
    rr.klass = 1;
    rr.ttl = ttl;
    rr.rdata = rdata;
    return to_string(rr);
}

// What the program must do with `qname qtype`, from the view alone (issue 2, section 3).
Expect expected_outcome(const PacketWorld& world, const WireName& qname, uint16_t type, const std::optional<Edns>& edns) {
    const ZoneView& view = *world.view;
    const Zone* zone = view.find_zone(qname);
    if (!zone) return pass({"pass_not_in_zone"});
    if (zone->find_cut(qname)) return pass({"pass_name_flags"});

    Expect e;
    size_t section_octets = 0;
    const Node* node = zone->find(qname);
    const auto is_address = [](uint16_t t) { return t == rrtype::A || t == rrtype::AAAA; };
    if (node) {
        if (node->find(rrtype::CNAME) || node->find(rrtype::DNAME)) return pass({"pass_name_flags"});
        if (is_address(type)) {
            if (const RRset* set = node->find(type)) {
                if (set->rdata.size() > XGSLB_MAX_RRSET_RECORDS) return pass({"pass_name_flags"});
                std::vector<std::string> lines;
                for (const auto& rd : set->rdata) lines.push_back(record_line(qname, type, set->ttl, rd));
                e = answered(type == rrtype::A ? "answered_a" : "answered_aaaa", lines);
                section_octets = set->rdata.size() * (type == rrtype::A ? XGSLB_RR_A_LEN : XGSLB_RR_AAAA_LEN);
            }
        } else {
            for (const auto& [t, set] : node->rrsets)
                if (!is_address(t)) return pass({"pass_name_flags"});
        }
        if (e.action != XDP_TX) e = negative("answered_nodata", 0, zone->name());
    } else if (zone->name_exists(qname)) {
        e = negative("answered_nodata", 0, zone->name());
    } else if (zone->has_wildcard()) {
        return pass({"pass_wildcard_zone"});
    } else {
        e = negative("answered_nxdomain", 3, zone->name());
        // Below a CNAME nothing exists (NXDOMAIN), but the program may leave names under a
        // PASS-flagged name to the slow path; below a DNAME it must (substitution).
        if (const Node* encloser = zone->find(zone->closest_encloser(qname))) {
            if (encloser->find(rrtype::DNAME)) return pass({"pass_name_flags"});
            if (encloser->find(rrtype::CNAME)) e.or_pass = {"pass_name_flags"};
        }
    }
    if (!e.soa_zone.empty()) section_octets = 2 + 10 + rdata_soa(zone->soa()).size();

    if (edns) e.additional.push_back(rr_opt(world.udp_payload_size(), edns->do_bit));
    const size_t size = 12 + qname.size() + 4 + section_octets + (edns ? XGSLB_OPT_RR_LEN : 0);
    const size_t limit =
        edns ? std::max<size_t>(XGSLB_MIN_UDP_PAYLOAD, std::min(edns->payload_size, world.udp_payload_size()))
             : XGSLB_MIN_UDP_PAYLOAD;
    if (size > limit) return pass({"pass_too_large"});
    return e;
}

// Every owner, every empty non-terminal between an owner and its apex, and a missing child.
std::vector<WireName> fixture_names(const ZoneView& view) {
    std::set<WireName> names;
    for (const auto& [apex, zone] : view.zones()) {
        for (const Node* node : zone.nodes()) {
            const WireName& owner = node->owner;
            for (WireName n = owner; n.size() >= apex.size(); n = parent_name(n)) {
                names.insert(lowercase(n));
                if (n.size() <= apex.size()) break;
            }
            WireName child = concat({label_of(8, 'n'), owner});
            if (child.size() <= XGSLB_NAME_WIRE_MAX) names.insert(lowercase(child));
        }
        names.insert(lowercase(concat({label_of(3, 'q'), parent_name(apex)})));  // a sibling zone: out of zone
    }
    return {names.begin(), names.end()};
}

TEST(XdpGenerated, EveryFixtureNameMatchesTheView) {
    PacketWorld& world = PacketWorld::get();
    std::mt19937 rng(20261126);
    const std::vector<Variant> variants = {
        {4, false, std::nullopt},
        {6, true, std::nullopt},
        {4, true, Edns().size(1232)},
        {6, false, Edns().size(4096).dnssec_ok()},
    };
    std::vector<std::string> failures;
    size_t runs = 0, answered_count = 0;
    for (const WireName& name : fixture_names(*world.view)) {
        for (uint16_t type : kQtypes) {
            for (const Variant& v : variants) {
                WireName sent = name;
                if (v.mixed_case)
                    for (auto& c : sent)
                        if (c >= 'a' && c <= 'z' && (rng() & 1)) c = static_cast<uint8_t>(c - 32);
                FrameBuilder q = v.ip_version == 6 ? query6(".", type) : query4(".", type);
                q.qname_wire(sent).id(static_cast<uint16_t>(rng()));
                if (v.edns) q.edns(*v.edns);
                PacketCase c{"generated", q, expected_outcome(world, name, type, v.edns)};
                answered_count += c.expect.action == XDP_TX;
                ++runs;
                if (auto d = run_case(c); !d.empty())
                    failures.push_back(wire_to_name(sent) + " type " + std::to_string(type) + " v" +
                                       std::to_string(v.ip_version) + (v.edns ? " edns" : "") + ":" + join_lines(d));
            }
        }
    }
    EXPECT_GT(answered_count, runs / 4) << "the generated set should mostly exercise answers";
    EXPECT_TRUE(failures.empty()) << failures.size() << " of " << runs << " generated queries differ:\n"
                                  << [&] {
                                         std::string out;
                                         for (size_t i = 0; i < std::min<size_t>(failures.size(), 40); ++i)
                                             out += failures[i] + "\n";
                                         return out;
                                     }();
}

}  // namespace
}  // namespace xgslb::test
