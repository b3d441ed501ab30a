// The express lane (bpf/express_lane.h) through BPF_PROG_TEST_RUN: frames shaped like the common
// query, and frames that only look like it, run through two programs with the same fixture: one
// with the express table (and so the lane), one with the table off (the general path and
// xgslb_rrsets alone). Both must do the same to every frame: the same action, the same output
// octets, the same verdict counters. The lane world's set is also erased from xgslb_rrsets where
// a test says so, so an answer there can only have come through the table.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <string>
#include <vector>

#include "maps/bpf_map_writer.h"
#include "maps/rrl_map_writer.h"
#include "tests/bpf/packet_test_support.h"
#include "tests/bpf/published_program.h"
#include "userspace/map_contents.h"
#include "userspace/publisher.h"
#include "userspace/rrl_contents.h"
#include "userspace/view_assembly.h"

namespace xgslb::test {
namespace {

constexpr uint32_t kTx = 3, kPass = 2;

// Names of 40 and 64 wire octets (the table's longest), which the fixture lacks: they are read
// with a bounds check per word, past the 32 octets read with one (bpf/express_table.h).
const std::string kForty = std::string(20, 'm') + ".cloud.example.com";
const std::string kSixtyFour = std::string(44, 'l') + ".cloud.example.com";

// One program with tests/fixtures/packet_tests.yaml and the two names above published, RRL off
// (the tests send more than a client prefix's burst).
Config lane_config() {
    Config config = load_config(kFixture);
    for (const std::string& name : {kForty, kSixtyFour}) {
        RecordConfig r;
        r.name = name;
        r.a = {{10, 1, 2, 3}, {10, 1, 2, 4}, {10, 1, 2, 5}};
        config.records.push_back(r);
    }
    return config;
}

struct LaneProgram : PublishedProgram {
    LaneProgram(const std::string& name, uint32_t slots) : PublishedProgram(lane_config(), name, slots) {
        RrlConfig off;
        off.responses_per_second = 0;
        write_rrl_maps(program->maps(), build_rrl_contents(off));
    }
    struct Outcome {
        XdpRunResult run;
        std::vector<std::pair<std::string, uint64_t>> counters;
    };
    Outcome run(const Bytes& frame) const {
        const xgslb_stats before = read_stats(program->maps().stats);
        Outcome o{run_xdp(program->prog_fd(), frame), {}};
        o.counters = counter_delta(before, read_stats(program->maps().stats));
        return o;
    }
};

std::string counters_text(const std::vector<std::pair<std::string, uint64_t>>& counters) {
    std::string out;
    for (const auto& [name, n] : counters) out += name + " +" + std::to_string(n) + " ";
    return out;
}

struct LaneWorlds {
    LaneProgram lane{"lane-on", XGSLB_DEFAULT_EXPRESS_SLOTS};
    LaneProgram off{"lane-off", 0};

    // The frame through both programs; returns the lane world's action after checking that the
    // two did the same.
    uint32_t same(const Bytes& frame, const std::string& what) const {
        SCOPED_TRACE(what);
        const auto a = lane.run(frame);
        const auto b = off.run(frame);
        EXPECT_EQ(a.run.action, b.run.action);
        EXPECT_EQ(hex(a.run.output), hex(b.run.output));
        EXPECT_EQ(counters_text(a.counters), counters_text(b.counters));
        return a.run.action;
    }
};

LaneWorlds& worlds() {
    static LaneWorlds w;
    return w;
}

const std::string kFour = "four.cloud.example.com";

// The query shapes the lane takes: answered, and alike on both paths.
TEST(XdpExpressLane, CommonShapesAnswerAsTheGeneralPath) {
    const LaneWorlds& w = worlds();
    EXPECT_EQ(w.same(query4(kFour, qtype::A).edns(Edns{}).build(), "IPv4, EDNS"), kTx);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).build(), "IPv4, no EDNS"), kTx);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).edns(Edns{}.dnssec_ok().size(4096)).build(), "DO, 4096"), kTx);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).edns(Edns{}.size(100)).build(), "payload size under 512"), kTx);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).edns(Edns{}.with_ext_rcode(1).with_z(0x1234)).build(),
                     "extended rcode and Z bits"), kTx);
    EXPECT_EQ(w.same(query4(mixed_case(kFour), qtype::A).edns(Edns{}).build(), "0x20 mixed case"), kTx);
    std::string upper = kFour;
    for (char& c : upper) c = static_cast<char>(std::toupper(c));
    EXPECT_EQ(w.same(query4(upper, qtype::A).build(), "upper case"), kTx);
    EXPECT_EQ(w.same(query6(kFour, qtype::A).edns(Edns{}).build(), "IPv6, EDNS"), kTx);
    EXPECT_EQ(w.same(query6("v6four.cloud.example.com", qtype::AAAA).build(), "IPv6 AAAA, no EDNS"), kTx);
    EXPECT_EQ(w.same(query4("single.cloud.example.com", qtype::A).cd().ad().build(), "AD and CD set"), kTx);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).edns(Edns{}).ethernet_padding(16).build(), "Ethernet padding"), kTx);
    for (const std::string& name : {kForty, kSixtyFour}) {
        EXPECT_EQ(w.same(query4(name, qtype::A).edns(Edns{}).build(), name + ", EDNS"), kTx);
        EXPECT_EQ(w.same(query4(mixed_case(name), qtype::A).build(), name + ", mixed case"), kTx);
        EXPECT_EQ(w.same(query6(name, qtype::A).edns(Edns{}.dnssec_ok()).build(), name + ", IPv6"), kTx);
    }
    // The shapes the lane leaves to the general path, which answers them.
    EXPECT_EQ(w.same(query4(kFour, qtype::A).vlan(7).edns(Edns{}).build(), "VLAN"), kTx);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).vlan(7).vlan(8, 0x88a8).build(), "two VLAN tags"), kTx);
    EXPECT_EQ(w.same(query4(kFour, qtype::MX).edns(Edns{}).build(), "another type: NODATA"), kTx);
    EXPECT_EQ(w.same(query4("nothere.cloud.example.com", qtype::A).edns(Edns{}).build(), "NXDOMAIN"), kTx);
    EXPECT_EQ(w.same(query4(long_name(), qtype::A).edns(Edns{}).build(), "255 octets: not in the table"), kTx);
}

// The lane really answers from the table: with the set erased from xgslb_rrsets, only the table
// can answer it (and the general path is not asked for it: a hit never hashes the name).
TEST(XdpExpressLane, AnswersFromTheTableAlone) {
    LaneProgram lane("lane-alone", XGSLB_DEFAULT_EXPRESS_SLOTS);
    LaneProgram off("lane-alone-off", 0);
    const xgslb_settings s = lane.program->settings();
    const uint64_t seed[2] = {s.hash_seed[0], s.hash_seed[1]};
    // A short name (one bounds check), one without EDNS in a frame too short for that, and the
    // two longer names (a check per word).
    for (const std::string& name : {kFour, std::string("single.cloud.example.com"), kForty, kSixtyFour}) {
        SCOPED_TRACE(name);
        // First a query with an ECS option (IPv6, /128) whose last 15 address octets look like
        // QTYPE A, QCLASS IN and an OPT without options: the lane probes the table with a name
        // 24 octets too long and misses, and the general program must still find the real name
        // (in xgslb_rrsets, which holds every set of the table: it never reads the table).
        const Bytes ecs = {0, 8, 0, 20, 0, 2, 128, 0, 0x20, 0, 1, 0, 1, 0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 0};
        const Bytes with_ecs = query4(name, qtype::A).edns(Edns{}.with_options(ecs)).build();
        EXPECT_EQ(lane.run(with_ecs).run.action, kTx);
        EXPECT_EQ(hex(lane.run(with_ecs).run.output), hex(off.run(with_ecs).run.output));
        xgslb_rrset_key key{};
        key.name_hash = hash_wire_name(name_to_wire(name), seed).hash;
        key.qtype = qtype::A;
        lane.writer->erase_rrset(key);
        for (const Bytes& q : {query4(name, qtype::A).edns(Edns{}).build(), query4(mixed_case(name), qtype::A).build(),
                               query6(name, qtype::A).edns(Edns{}.dnssec_ok()).build()}) {
            const auto a = lane.run(q);
            const auto b = off.run(q);
            EXPECT_EQ(a.run.action, kTx);
            EXPECT_EQ(hex(a.run.output), hex(b.run.output));
        }
    }
}

// The express program answers the common shapes by itself: with its tail call to the general
// program emptied, they are still answered, for every seed of the slot index (each program
// draws its own); and a query it hands on is then passed, and counted as such.
TEST(XdpExpressLane, ExpressProgramAnswersWithoutTheGeneralOne) {
    for (int instance = 0; instance < 16; ++instance) {
        SCOPED_TRACE("instance " + std::to_string(instance));
        LaneProgram lane("express-alone-" + std::to_string(instance), XGSLB_DEFAULT_EXPRESS_SLOTS);
        const uint32_t zero = 0;
        ASSERT_EQ(bpf_map_delete_elem(lane.program->programs_map_fd(), &zero), 0);
        for (const std::string& name : {kFour, std::string("single.cloud.example.com"), kForty, kSixtyFour}) {
            SCOPED_TRACE(name);
            for (const Bytes& q : {query4(name, qtype::A).edns(Edns{}).build(), query4(mixed_case(name), qtype::A).build(),
                                   query6(name, qtype::A).edns(Edns{}.dnssec_ok()).build()}) {
                const auto a = lane.run(q);
                EXPECT_EQ(a.run.action, kTx);
                EXPECT_EQ(counters_text(a.counters), "packets_seen +1 answered_a +1 ");
            }
        }
        const auto nx = lane.run(query4("nothere.cloud.example.com", qtype::A).edns(Edns{}).build());
        EXPECT_EQ(nx.run.action, kPass);
        EXPECT_EQ(counters_text(nx.counters), "packets_seen +1 pass_no_general +1 ");
    }
}

// Frames that look like the common shape and are not: each must be done exactly as the general
// path does it (here: passed, with the same reason), never answered from a length the lane
// guessed.
TEST(XdpExpressLane, LookalikesTakeTheGeneralPath) {
    const LaneWorlds& w = worlds();
    // An OPT with an option: the name's length guessed from the UDP length is too long.
    const Bytes cookie = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    EXPECT_EQ(w.same(query4(kFour, qtype::A).edns(Edns{}.with_options(cookie)).build(), "COOKIE option"), kPass);
    // ARCOUNT 1 and an 11-octet record in its place that is no OPT (type A, root owner).
    const Bytes not_opt = Bytes{0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0};
    EXPECT_EQ(w.same(query4(kFour, qtype::A).record(Section::additional, not_opt).build(), "ARCOUNT 1, no OPT"),
              kPass);
    // An OPT of version 1, and one with RDLENGTH 1 and one octet of data.
    EXPECT_EQ(w.same(query4(kFour, qtype::A).edns(Edns{}.with_version(1)).build(), "EDNS version 1"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).edns(Edns{}.with_options({7})).build(), "RDLENGTH 1"), kPass);
    // ARCOUNT 0 and 11 trailing octets that are an OPT record: the name is not 11 octets longer.
    EXPECT_EQ(w.same(query4(kFour, qtype::A).trailing(FrameBuilder::opt_record(Edns{})).build(),
                     "an OPT's octets as trailing garbage"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).edns(Edns{}).trailing({0}).build(), "one octet after the OPT"), kPass);
    // The held name followed by its QTYPE/QCLASS and an OPT whose ECS payload is the rest: the
    // guessed name runs into the OPT.
    const Bytes ecs = {0, 8, 0, 7, 0, 1, 24, 0, 10, 77, 0};
    w.same(query4(kFour, qtype::A).edns(Edns{}.with_options(ecs)).build(), "ECS option");
    // A compression pointer as the whole name, and one after the first label.
    EXPECT_EQ(w.same(query4(kFour, qtype::A).qname_wire({0xc0, 0x0c}).edns(Edns{}).build(), "pointer"), kPass);
    Bytes pointer_after_label = {4, 'f', 'o', 'u', 'r', 0xc0, 0x0c};
    EXPECT_EQ(w.same(query4(kFour, qtype::A).qname_wire(pointer_after_label).build(), "label, then a pointer"), kPass);
    // The held name with a zero octet where a label length was: the general walk ends there.
    Bytes cut = name_to_wire(kFour);
    cut[5] = 0;
    EXPECT_EQ(w.same(query4(kFour, qtype::A).qname_wire(cut).edns(Edns{}).build(), "a zero inside the name"), kPass);
    // A label length that is a letter's case partner (bit 5): never the same name.
    Bytes partner = name_to_wire(kFour);
    partner[0] ^= 0x20;
    EXPECT_EQ(w.same(query4(kFour, qtype::A).qname_wire(partner).edns(Edns{}).build(), "label length ^ 0x20"), kPass);
    // The held name without its root label, the QTYPE's first octet read as the root.
    Bytes rootless = name_to_wire(kFour);
    rootless.pop_back();
    EXPECT_EQ(w.same(query4(kFour, qtype::A).qname_wire(rootless).build(), "no root label"), kPass);
    // Header and question fields the lane checks.
    EXPECT_EQ(w.same(query4(kFour, qtype::A).qr().edns(Edns{}).build(), "QR=1"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).opcode(2).edns(Edns{}).build(), "opcode 2"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).counts(1, 0, 0, 2).edns(Edns{}).build(), "ARCOUNT 2"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).counts(1, 1, 0, 1).edns(Edns{}).build(), "ANCOUNT 1"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).qclass(3).edns(Edns{}).build(), "class CH"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::ANY).edns(Edns{}).build(), "ANY"), kPass);
    // IP and UDP fields the lane checks.
    EXPECT_EQ(w.same(query4(kFour, qtype::A).udp_length(60).edns(Edns{}).build(), "UDP length too long"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).udp_length(40).edns(Edns{}).build(), "UDP length too short"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).ipv4_options({1, 1, 1, 1}).edns(Edns{}).build(), "IPv4 options"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).ipv4_fragment(0, true).edns(Edns{}).build(), "first fragment"), kPass);
    EXPECT_EQ(w.same(query6(kFour, qtype::A).udp_checksum_zero().build(), "IPv6, UDP checksum 0"), kPass);
    EXPECT_EQ(w.same(query6(kFour, qtype::A).ipv6_extension_header().build(), "IPv6 extension header"), kPass);
    EXPECT_EQ(w.same(query4(kFour, qtype::A).udp_ports(40053, 5353).edns(Edns{}).build(), "another port"), kPass);
}

// The lane's query cut at every octet, and its name's length off by one either way in the UDP
// length: never answered from a wrong length, always as the general path does it.
TEST(XdpExpressLane, CutOrMisstatedQueriesTakeTheGeneralPath) {
    const LaneWorlds& w = worlds();
    for (int shape = 0; shape < 4; ++shape) {
        const bool edns = shape & 1, ipv6 = shape & 2;
        FrameBuilder q = ipv6 ? query6(kFour, qtype::A) : query4(kFour, qtype::A);
        if (edns) q.edns(Edns{});
        const size_t full = q.dns_message().size();
        for (size_t n = 0; n < full; ++n) {
            FrameBuilder cut = q;
            const uint32_t action =
                w.same(cut.truncate_dns(n).build(), "shape " + std::to_string(shape) + ", cut to " + std::to_string(n));
            EXPECT_NE(action, kTx) << n;
        }
        // UDP length one short or long of the message: the frame holds the octets either way.
        for (int delta : {-1, 1}) {
            FrameBuilder misstated = q;
            misstated.udp_length(static_cast<uint16_t>(8 + full + delta)).ethernet_padding(4);
            EXPECT_NE(w.same(misstated.build(), "shape " + std::to_string(shape) + ", UDP length " + std::to_string(delta)),
                      kTx);
        }
    }
}

}  // namespace
}  // namespace xgslb::test
