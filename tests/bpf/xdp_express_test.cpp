// The express table (xgslb_express) through BPF_PROG_TEST_RUN: a set answered from its slot is
// byte for byte the answer xgslb_rrsets gives (every A/AAAA set of both fixtures that fits a
// slot, every rotation); a slot that is odd, names another name, or sits where the program
// does not look is ignored; and a slot rewritten by another thread while the program answers
// in a loop never yields anything but one of the two sets it alternates between.
#include <gtest/gtest.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "maps/bpf_map_writer.h"
#include "maps/express_map.h"
#include "maps/express_slot_index.h"
#include "tests/bpf/packet_test_support.h"
#include "tests/bpf/published_program.h"
#include "userspace/express_table.h"
#include "userspace/map_contents.h"
#include "userspace/publisher.h"
#include "userspace/view_assembly.h"
#include "userspace/zone_view.h"

namespace xgslb::test {
namespace {

// A program of its own with a fixture published by the real path (table filled by the publisher).
struct ExpressWorld : PublishedProgram {
    std::unique_ptr<ExpressMapping> mapping;
    std::unique_ptr<ExpressTable> table;  // a second view of the slots, for the tests to poke

    ExpressWorld(const std::string& fixture, const std::string& name, uint32_t slots = XGSLB_DEFAULT_EXPRESS_SLOTS)
        : PublishedProgram(load_config(fixture), name, slots) {
        mapping = std::make_unique<ExpressMapping>(program->maps().express);
        table = std::make_unique<ExpressTable>(mapping->slots(), seed);
    }

    XdpRunResult run(const Bytes& frame) const { return run_xdp(program->prog_fd(), frame); }

    std::string name_of(const xgslb_rrset_key& key) const {
        const xgslb_name name = contents.names.at(xgslb_name_key{key.name_hash});
        std::string text(name.text);
        if (!text.empty() && text.back() == '.') text.pop_back();
        return text;
    }
    xgslb_name_hash hash(const std::string& name) const {
        const xgslb_settings s = program->settings();
        const uint64_t seed[2] = {s.hash_seed[0], s.hash_seed[1]};
        return hash_wire_name(name_to_wire(name), seed);
    }
    uint32_t mask() const { return static_cast<uint32_t>(mapping->slots().size() - 1); }
    // The home slot the program computes for a name (any case) and type.
    uint32_t home(const std::string& name, uint16_t qtype) const {
        const xgslb_settings s = program->settings();
        const __u64 seed[2] = {s.hash_seed[0], s.hash_seed[1]};
        const WireName wire = name_to_wire(name);
        return xgslb_express_slot_index(wire.data(), static_cast<__u32>(wire.size()), qtype, xgslb_express_seed(seed),
                                        mask());
    }
    std::string owner_of(const xgslb_rrset_key& key) const { return contents.names.at(xgslb_name_key{key.name_hash}).text; }

    // Every CPU's Rotate counter set to `turn` (a per-CPU value is 8 octets in a syscall buffer).
    void set_rotation(uint32_t turn) const {
        std::vector<uint64_t> values(static_cast<size_t>(libbpf_num_possible_cpus()), turn);
        const uint32_t zero = 0;
        if (bpf_map_update_elem(program->maps().rotation, &zero, values.data(), BPF_ANY) != 0)
            throw Error("writing the rotation counter");
    }
    uint64_t rotation_sum() const {
        std::vector<uint64_t> values(static_cast<size_t>(libbpf_num_possible_cpus()));
        const uint32_t zero = 0;
        if (bpf_map_lookup_elem(program->maps().rotation, &zero, values.data()) != 0)
            throw Error("reading the rotation counter");
        uint64_t sum = 0;
        for (uint64_t v : values) sum += static_cast<uint32_t>(v);
        return sum;
    }
};

// The query shapes every set is asked in: plain IPv4, IPv6 with EDNS and DO, 0x20 mixed case.
std::vector<Bytes> queries_for(const std::string& name, uint16_t type) {
    std::string mixed = name;
    for (size_t i = 0; i < mixed.size(); i += 2) mixed[i] = static_cast<char>(std::toupper(mixed[i]));
    return {query4(name, type).build(), query6(name, type).edns(Edns{}.dnssec_ok()).build(),
            query4(mixed, type).edns(Edns{}.size(4096)).build()};
}

struct Answers {
    std::vector<Bytes> frames;
    std::vector<uint32_t> actions;
};

void each_fixture_set_answers_alike(const std::string& fixture, const std::string& name, size_t& sets,
                                    size_t& rotating) {
    ExpressWorld w(fixture, name);
    for (size_t j = 0; j < w.contents.rrsets.size(); ++j) {
        const xgslb_rrset_key key = w.contents.rrsets.key(j);
        const xgslb_rrset value = w.contents.rrsets.value(j);
        if (!w.table->slot_for(key, value, w.owner_of(key))) continue;
        const std::string qname = w.name_of(key);
        SCOPED_TRACE(qname + " type " + std::to_string(key.qtype));
        const auto slot = w.table->find(key);
        ASSERT_TRUE(slot) << "the publisher did not place the set";
        ++sets;
        const uint32_t turns = value.selection == XGSLB_SELECT_ROTATE ? value.count : 1;
        rotating += turns > 1;
        // Each query at each rotation: first with only the table holding the set, then with
        // only xgslb_rrsets, the rotation counter set alike before each run.
        auto answer_all = [&] {
            Answers a;
            for (const Bytes& q : queries_for(qname, key.qtype))
                for (uint32_t turn = 0; turn < turns; ++turn) {
                    w.set_rotation(turn);
                    const uint64_t before = w.rotation_sum();
                    const XdpRunResult r = w.run(q);
                    a.frames.push_back(r.output);
                    a.actions.push_back(r.action);
                    if (value.selection == XGSLB_SELECT_ROTATE && r.action == 3) {
                        EXPECT_EQ(w.rotation_sum(), before + 1) << "one answer advances one CPU's counter once";
                    }
                }
            return a;
        };
        w.writer->erase_rrset(key);
        const Answers from_table = answer_all();
        w.writer->put_rrset(key, value);
        const xgslb_express_slot kept = w.mapping->slots()[*slot];
        w.table->write_slot(*slot, xgslb_express_slot{});
        const Answers from_map = answer_all();
        w.table->write_slot(*slot, kept);
        ASSERT_EQ(from_table.frames.size(), from_map.frames.size());
        // The plain IPv4 query is answered (the strategies fixture does not listen on IPv6:
        // those pass on both paths alike).
        EXPECT_EQ(from_map.actions[0], 3u) << "the hash-map path answers";
        EXPECT_EQ(from_table.actions[0], 3u) << "the table answers (xgslb_rrsets lacked the set)";
        EXPECT_EQ(from_table.actions.back(), 3u) << "a 0x20 mixed-case query finds the slot";
        for (size_t i = 0; i < from_map.frames.size(); ++i) {
            EXPECT_EQ(from_table.actions[i], from_map.actions[i]) << "query " << i;
            EXPECT_EQ(hex(from_table.frames[i]), hex(from_map.frames[i])) << "query " << i;
        }
    }
}

TEST(XdpExpress, EveryFixtureSetAnswersFromTheTableAsFromTheHashMap) {
    size_t sets = 0, rotating = 0;
    each_fixture_set_answers_alike(kFixture, "express-packets", sets, rotating);
    each_fixture_set_answers_alike("tests/fixtures/strategies.yaml", "express-strategies", sets, rotating);
    // The fixtures' 1-4 A and AAAA sets, a 4-target round robin among them.
    EXPECT_GE(sets, 12u);
    EXPECT_GE(rotating, 1u);
}

// A slot for the name `for_name` holding the records of `records_of`'s set.
xgslb_express_slot decoy(const ExpressWorld& w, const std::string& records_of, uint16_t qtype, const std::string& for_name) {
    xgslb_rrset_key from{};
    from.name_hash = w.hash(records_of).hash;
    from.qtype = qtype;
    xgslb_rrset value = w.contents.rrsets.at(from);
    const xgslb_name_hash h = w.hash(for_name);
    xgslb_rrset_key key{};
    key.name_hash = h.hash;
    key.qtype = qtype;
    value.check = h.check;
    const auto slot = w.table->slot_for(key, value, for_name);
    EXPECT_TRUE(slot) << for_name;
    return slot.value_or(xgslb_express_slot{});
}

std::vector<std::string> answer_lines(const XdpRunResult& r) {
    std::vector<std::string> out;
    const DecodeResult d = decode_dns_frame(r.output);
    EXPECT_TRUE(d.ok()) << join_lines(d.errors);
    for (const auto& rr : d.frame.answer) out.push_back(to_string(rr));
    return out;
}

// Slots the program must not believe: odd sequence, another name, and the table still wins
// when everything matches (so the first case proves the slot is read at all).
TEST(XdpExpress, OddOrMismatchedSlotsAreIgnored) {
    ExpressWorld w(kFixture, "express-ignored");
    const std::string four = "four.cloud.example.com";
    xgslb_rrset_key key{};
    key.name_hash = w.hash(four).hash;
    key.qtype = qtype::A;
    const auto slot = w.table->find(key);
    ASSERT_TRUE(slot);
    const Bytes q = query4(four, qtype::A).edns(Edns{}).build();
    const XdpRunResult real = w.run(q);
    ASSERT_EQ(real.action, 3u);
    ASSERT_EQ(answer_lines(real).size(), 4u);

    const xgslb_express_slot fake = decoy(w, "three.cloud.example.com", qtype::A, four);
    w.table->write_slot(*slot, fake);
    const XdpRunResult decoyed = w.run(q);
    EXPECT_EQ(decoyed.action, 3u);
    EXPECT_EQ(answer_lines(decoyed).size(), 3u) << "an even, matching slot is what the program answers from";

    xgslb_express_slot& live = w.mapping->slots()[*slot];
    __atomic_store_n(&live.sequence, live.sequence | 1, __ATOMIC_RELEASE);  // a writer in the middle
    EXPECT_EQ(hex(w.run(q).output), hex(real.output)) << "odd sequence: xgslb_rrsets answers";

    // Another name of the same length in the slot (one letter differs): not this query's.
    w.table->write_slot(*slot, decoy(w, "three.cloud.example.com", qtype::A, "fout.cloud.example.com"));
    EXPECT_EQ(hex(w.run(q).output), hex(real.output)) << "another name: xgslb_rrsets answers";

    // Not in xgslb_rrsets, nor in any zone: answered from an even slot, passed otherwise.
    const std::string outside = "express.example.org";
    const uint32_t first = w.home(outside, qtype::A);
    const uint32_t second = (first + 1) & w.mask();
    ASSERT_EQ(w.mapping->slots()[first].qtype, 0) << "the fixture's sets left this slot free";
    ASSERT_EQ(w.mapping->slots()[second].qtype, 0);
    const Bytes oq = query4(outside, qtype::A).build();
    const xgslb_express_slot out = decoy(w, "three.cloud.example.com", qtype::A, outside);
    ASSERT_EQ(w.run(oq).action, 2u);
    // Its home slot empty, the next one is not looked at (the writer keeps sets home when free).
    w.table->write_slot(second, out);
    EXPECT_EQ(w.run(oq).action, 2u) << "in the next slot while home is empty";
    w.table->write_slot(second, xgslb_express_slot{});
    for (uint32_t at : {first, second}) {
        SCOPED_TRACE("slot " + std::to_string(at == first ? 1 : 2) + " of 2");
        if (at == second)  // another name at home
            w.table->write_slot(first, decoy(w, "four.cloud.example.com", qtype::A, "other.example.org"));
        w.table->write_slot(at, out);
        const XdpRunResult served = w.run(oq);
        EXPECT_EQ(served.action, 3u);
        EXPECT_EQ(answer_lines(served).size(), 3u);
        EXPECT_EQ(w.run(query4("ExPrEsS.eXaMpLe.OrG", qtype::A).build()).action, 3u) << "0x20 mixed case";
        xgslb_express_slot& s = w.mapping->slots()[at];
        __atomic_store_n(&s.sequence, s.sequence + 1, __ATOMIC_RELEASE);
        EXPECT_EQ(w.run(oq).action, 2u) << "odd sequence";
        __atomic_store_n(&s.sequence, s.sequence + 1, __ATOMIC_RELEASE);
        EXPECT_EQ(w.run(oq).action, 3u) << "even again";
        xgslb_express_slot wrong = out;
        wrong.name[0] ^= 1ull << 8;  // 'e' -> 'd'
        w.table->write_slot(at, wrong);
        EXPECT_EQ(w.run(oq).action, 2u) << "another name";
        wrong = out;
        wrong.name_len += 1;
        w.table->write_slot(at, wrong);
        EXPECT_EQ(w.run(oq).action, 2u) << "another length";
        wrong = out;
        wrong.qtype = qtype::AAAA;
        w.table->write_slot(at, wrong);
        EXPECT_EQ(w.run(oq).action, 2u) << "another type";
        w.table->write_slot(at, xgslb_express_slot{});
    }
    w.table->write_slot(first, xgslb_express_slot{});
    // A slot the index does not name is never looked at.
    const uint32_t third = (first + 2) & w.mask();
    ASSERT_EQ(w.mapping->slots()[third].qtype, 0);
    w.table->write_slot(third, out);
    EXPECT_EQ(w.run(oq).action, 2u) << "only two slots are probed";
    w.table->write_slot(third, xgslb_express_slot{});
}

// Names that differ only in bit 5 of octets that are not letters are different names: the slot
// of one never answers the other ('-' 0x2d and '\r' 0x0d; a label length 3 and 0x23). Each
// query is for a name in no zone, so a miss passes and a hit is an XDP_TX.
TEST(XdpExpress, NonLetterOctetsDifferingInBit5NeverMatch) {
    ExpressWorld w(kFixture, "express-bit5");
    const std::string dash = "a-b.example.org", cr = "a\\013b.example.org";
    ASSERT_EQ(name_to_wire(cr)[2], 0x0d);
    const uint32_t at = w.home(dash, qtype::A);
    w.table->write_slot(at, decoy(w, "three.cloud.example.com", qtype::A, dash));
    EXPECT_EQ(w.run(query4(dash, qtype::A).build()).action, 3u) << "the slot's own name";
    EXPECT_EQ(w.run(query4("A-B.EXAMPLE.ORG", qtype::A).build()).action, 3u) << "its uppercase form";
    // The compare itself, whatever the index says: the slot written where '\r' looks.
    const uint32_t cr_home = w.home(cr, qtype::A);
    w.table->write_slot(at, xgslb_express_slot{});
    w.table->write_slot(cr_home, decoy(w, "three.cloud.example.com", qtype::A, dash));
    EXPECT_EQ(w.run(query4(cr, qtype::A).build()).action, 2u) << "'\\r' is not '-'";
    w.table->write_slot(cr_home, decoy(w, "three.cloud.example.com", qtype::A, cr));
    EXPECT_EQ(w.run(query4(cr, qtype::A).build()).action, 3u) << "the control: '\\r' in its own slot";
    w.table->write_slot(cr_home, xgslb_express_slot{});

    // A label length 3 in the slot, 0x23 ('#') in the query's name at the same place, same length.
    const std::string three = "abc.example.org";
    xgslb_express_slot slot = decoy(w, "three.cloud.example.com", qtype::A, three);
    // The query "#abc\003example..." is not a valid name; instead the slot's first octet says
    // 0x23 while the query's says 3: the compare must see the difference (the mask there is 0xff).
    slot.name[0] = (slot.name[0] & ~0xffull) | 0x23;
    const uint32_t three_home = w.home(three, qtype::A);
    w.table->write_slot(three_home, slot);
    EXPECT_EQ(w.run(query4(three, qtype::A).build()).action, 2u) << "label length 3 is not 0x23";
    w.table->write_slot(three_home, decoy(w, "three.cloud.example.com", qtype::A, three));
    EXPECT_EQ(w.run(query4(three, qtype::A).build()).action, 3u) << "the control";
    w.table->write_slot(three_home, xgslb_express_slot{});
}

// Names longer than a slot holds are only in xgslb_rrsets, and answered from there; one of
// exactly the slot's length is in the table.
TEST(XdpExpress, NamesLongerThanTheSlotsAreAnsweredFromXgslbRrsets) {
    const std::string fits = std::string(XGSLB_EXPRESS_NAME_MAX - 20, 'f') + ".cloud.example.com";
    const std::string longer = std::string(XGSLB_EXPRESS_NAME_MAX - 19, 'l') + ".cloud.example.com";
    ASSERT_EQ(name_to_wire(fits).size(), static_cast<size_t>(XGSLB_EXPRESS_NAME_MAX));
    const std::string path = "/tmp/xgslb-express-long-" + std::to_string(getpid()) + ".yaml";
    {
        std::ifstream in(kFixture);
        std::ofstream out(path);
        out << in.rdbuf() << "  - name: " << fits << "\n    ttl: 30\n    a: [172.18.3.1, 172.18.3.2]\n"
            << "  - name: " << longer << "\n    ttl: 30\n    a: [172.18.3.3, 172.18.3.4]\n";
    }
    struct Remove {
        std::string path;
        ~Remove() { std::remove(path.c_str()); }
    } remove{path};
    ExpressWorld w(path, "express-long");
    for (const auto& [name, in_table] : {std::pair{fits, true}, std::pair{longer, false}}) {
        SCOPED_TRACE(name);
        xgslb_rrset_key key{};
        key.name_hash = w.hash(name).hash;
        key.qtype = qtype::A;
        EXPECT_EQ(w.table->find(key).has_value(), in_table);
        const XdpRunResult r = w.run(query4(name, qtype::A).edns(Edns{}).build());
        EXPECT_EQ(r.action, 3u);
        EXPECT_EQ(answer_lines(r).size(), 2u);
    }
    // The 255-octet name of the fixture too.
    const XdpRunResult r = w.run(query4(std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') +
                                            "." + std::string(43, 'd') + ".cloud.example.com",
                                        qtype::A)
                                     .build());
    EXPECT_EQ(r.action, 3u);
    EXPECT_EQ(answer_lines(r).size(), 1u);
}

// One thread rewrites a slot between two sets as fast as it can; the program answers in a loop.
// Every answer must be exactly one of the two. A tear detected before the frame was written is
// a pass (the name is in no zone and not in xgslb_rrsets); one detected after the express
// program wrote the records straight from the slot is a drop (bpf/express_answer.h). With `rename`, the second set is another name's (same length, so
// only the compare tells them apart): the query's name then gets its own set or a pass, never
// the other name's records. `seqlock` false writes without the sequence, as a control.
struct RaceResult {
    size_t first = 0, second = 0, passed = 0, dropped = 0, mixed = 0, runs = 0;
};

RaceResult race(ExpressWorld& w, bool seqlock, std::chrono::milliseconds budget, bool rename = false) {
    const std::string outside = "race.example.org", other = "rack.example.org";
    const uint32_t at = w.home(outside, qtype::A);
    // Different counts, records and checksums, so a mix of the two shows.
    const xgslb_express_slot one = decoy(w, "four.cloud.example.com", qtype::A, outside);
    const xgslb_express_slot two = decoy(w, "dual.cloud.example.com", qtype::A, rename ? other : outside);
    const Bytes q = query4(outside, qtype::A).edns(Edns{}).build();
    w.table->write_slot(at, one);
    const Bytes answer_one = w.run(q).output;
    // What the second set's records would look like as an answer to this query.
    w.table->write_slot(at, decoy(w, "dual.cloud.example.com", qtype::A, outside));
    const Bytes answer_two = w.run(q).output;
    EXPECT_NE(answer_one, answer_two);
    if (rename) {
        w.table->write_slot(at, two);
        EXPECT_EQ(w.run(q).action, 2u) << "the other name's slot is not this query's";
    }

    std::atomic<bool> stop{false};
    xgslb_express_slot* slot = &w.mapping->slots()[at];
    std::thread writer([&] {
        const size_t payload = offsetof(xgslb_express_slot, qtype);
        while (!stop.load(std::memory_order_relaxed)) {
            for (const xgslb_express_slot* s : {&one, &two}) {
                if (seqlock) {
                    w.table->write_slot(at, *s);
                } else {
                    std::memcpy(reinterpret_cast<uint8_t*>(slot) + payload, reinterpret_cast<const uint8_t*>(s) + payload,
                                sizeof *s - payload);
                    std::atomic_signal_fence(std::memory_order_seq_cst);
                }
            }
        }
    });
    RaceResult r;
    const auto end = std::chrono::steady_clock::now() + budget;
    while (std::chrono::steady_clock::now() < end) {
        for (int i = 0; i < 256; ++i) {
            const XdpRunResult got = w.run(q);
            ++r.runs;
            if (got.action == 2 && got.output == q) ++r.passed;
            else if (got.action == 1) ++r.dropped;
            else if (got.action == 3 && got.output == answer_one) ++r.first;
            else if (got.action == 3 && got.output == answer_two) ++r.second;
            else ++r.mixed;
        }
    }
    stop = true;
    writer.join();
    w.table->write_slot(at, xgslb_express_slot{});
    return r;
}

TEST(XdpExpress, ConcurrentWriterNeverTearsAnAnswer) {
    ExpressWorld w(kFixture, "express-race");
    const RaceResult r = race(w, true, std::chrono::milliseconds(3000));
    std::printf("  seqlock writer: %zu runs: %zu first set, %zu second, %zu passed and %zu dropped (torn or odd, "
                "caught), %zu mixed\n",
                r.runs, r.first, r.second, r.passed, r.dropped, r.mixed);
    EXPECT_EQ(r.mixed, 0u) << "an answer that is neither set";
    EXPECT_GT(r.first, 0u);
    EXPECT_GT(r.second, 0u);
}

// The slot changes between two names: answers for the first name carry its records or pass,
// never the second name's records, nor a mix.
TEST(XdpExpress, ConcurrentRenameNeverAnswersWithTheOtherNamesRecords) {
    ExpressWorld w(kFixture, "express-rename");
    const RaceResult r = race(w, true, std::chrono::milliseconds(3000), true);
    std::printf("  renaming writer: %zu runs: %zu own set, %zu other name's set, %zu passed, %zu dropped, %zu mixed\n",
                r.runs, r.first, r.second, r.passed, r.dropped, r.mixed);
    EXPECT_EQ(r.second, 0u) << "answered with the other name's records";
    EXPECT_EQ(r.mixed, 0u) << "an answer that is neither";
    EXPECT_GT(r.first, 0u);
    EXPECT_GT(r.passed, 0u);
}

// The control: the same race without the sequence must show torn answers, or the race above
// proves nothing on this machine (both threads never ran at once: then it is skipped, not passed).
TEST(XdpExpress, WithoutTheSequenceTheRaceTears) {
    ExpressWorld w(kFixture, "express-race-control");
    const RaceResult r = race(w, false, std::chrono::milliseconds(3000));
    std::printf("  unsequenced writer: %zu runs: %zu first set, %zu second, %zu passed, %zu mixed\n", r.runs, r.first,
                r.second, r.passed, r.mixed);
    if (r.mixed == 0) GTEST_SKIP() << "no torn read observed in 3 s: the machine never ran both threads at once";
    EXPECT_GT(r.mixed, 0u);
}

// The rename's control: without the sequence, a read that compares the old name and copies the
// new name's records shows up (the other name's set, or a mix), or the rename race proves nothing.
TEST(XdpExpress, WithoutTheSequenceTheRenameRaceTears) {
    ExpressWorld w(kFixture, "express-rename-control");
    const RaceResult r = race(w, false, std::chrono::milliseconds(3000), true);
    std::printf("  unsequenced renaming writer: %zu runs: %zu own set, %zu other name's set, %zu passed, %zu mixed\n",
                r.runs, r.first, r.second, r.passed, r.mixed);
    if (r.second + r.mixed == 0) GTEST_SKIP() << "no torn read observed in 3 s: the machine never ran both threads at once";
    EXPECT_GT(r.second + r.mixed, 0u);
}

// A daemon restarting onto pinned maps adopts them and rebuilds the table from what
// xgslb_rrsets holds: a slot left stale (a daemon that died between its two writes) is fixed.
TEST(XdpExpress, AdoptingPinnedMapsRebuildsTheTable) {
    const std::string root = "/sys/fs/bpf/xgslb-express-test-" + std::to_string(getpid());
    const Config config = load_config(kFixture);
    XdpProgram::Options options;
    options.instance = "adopt";
    options.pin_root = root;
    options.udp_payload_size = config.dns.udp_payload_size;
    auto first = std::make_unique<XdpProgram>(options);
    struct Cleanup {
        std::string root;
        XdpProgram* program;
        ~Cleanup() {
            if (program) program->remove_pins();
            rmdir(root.c_str());
        }
    } cleanup{root, first.get()};
    const xgslb_settings s = first->settings();
    const uint64_t seed[2] = {s.hash_seed[0], s.hash_seed[1]};
    const MapContents contents = build_map_contents(*ZoneView::build(config), seed);
    {
        BpfMapWriter writer(first->maps());
        Publisher(writer).publish(contents);
    }
    const Bytes q = query4("four.cloud.example.com", qtype::A).build();
    const Bytes right = run_xdp(first->prog_fd(), q).output;

    // Stale: four's slot holds three's records.
    const xgslb_name_hash four = hash_wire_name(name_to_wire("four.cloud.example.com"), seed);
    const xgslb_name_hash three = hash_wire_name(name_to_wire("three.cloud.example.com"), seed);
    xgslb_rrset_key four_key{}, three_key{};
    four_key.name_hash = four.hash;
    four_key.qtype = three_key.qtype = qtype::A;
    three_key.name_hash = three.hash;
    xgslb_rrset stale = contents.rrsets.at(three_key);
    stale.check = four.check;
    {
        ExpressMapping mapping(first->maps().express);
        ExpressTable table(mapping.slots(), seed);
        const auto at = table.find(four_key);
        ASSERT_TRUE(at);
        table.write_slot(*at, *table.slot_for(four_key, stale, "four.cloud.example.com."));
    }
    ASSERT_NE(hex(run_xdp(first->prog_fd(), q).output), hex(right)) << "the stale slot is what answers";

    // The restart: a second program on the same pins, its writer adopting what they hold.
    XdpProgram second(options);
    BpfMapWriter writer(second.maps());
    Publisher publisher(writer);
    publisher.adopt(read_map_contents(second.maps()));
    EXPECT_EQ(hex(run_xdp(second.prog_fd(), q).output), hex(right));
    EXPECT_EQ(hex(run_xdp(first->prog_fd(), q).output), hex(right)) << "the running program shares the table";
    EXPECT_EQ(writer.express().used(), ExpressTable(ExpressMapping(second.maps().express).slots(), seed).used());
    EXPECT_GE(writer.express().used(), 10u);
}

// expressSlots: 0: the verifier accepts the program with the table path dead, the writer holds
// nothing, and xgslb_rrsets answers.
TEST(XdpExpress, TableOffStillAnswers) {
    ExpressWorld w(kFixture, "express-off", 0);
    EXPECT_EQ(w.writer->express().size(), 0u);
    EXPECT_EQ(w.table->size(), 0u);
    const XdpRunResult r = w.run(query4("four.cloud.example.com", qtype::A).build());
    EXPECT_EQ(r.action, 3u);
    EXPECT_EQ(answer_lines(r).size(), 4u);
}

}  // namespace
}  // namespace xgslb::test
