// The express table's writer over plain memory: which sets it takes, where it puts them (the
// two slots the program probes), the seqlock's sequence, erase, and rebuild from map contents.
#include "userspace/express_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "maps/express_slot_index.h"

namespace xgslb {
namespace {

constexpr uint16_t kA = XGSLB_DNS_TYPE_A, kAAAA = XGSLB_DNS_TYPE_AAAA;

xgslb_rrset_key key_of(uint64_t hash, uint16_t qtype) {
    xgslb_rrset_key k{};
    k.name_hash = hash;
    k.qtype = qtype;
    return k;
}

// A set of `count` records of the qtype's length, each record's octets its index + `fill`,
// stored twice as the publisher stores them.
xgslb_rrset rrset_of(uint16_t qtype, unsigned count, uint8_t selection = XGSLB_SELECT_FIXED, uint8_t fill = 1) {
    xgslb_rrset v{};
    v.check = 0xc0ffee;
    v.ttl = 30;
    v.count = static_cast<uint16_t>(count);
    v.record_len = qtype == kA ? XGSLB_RR_A_LEN : XGSLB_RR_AAAA_LEN;
    v.wire_len = static_cast<uint16_t>(count * v.record_len);
    v.wire_csum = 0x1234;
    v.selection = selection;
    for (unsigned i = 0; i < v.wire_len; ++i) v.wire[i] = v.wire[v.wire_len + i] = static_cast<uint8_t>(i / v.record_len + fill);
    return v;
}

TEST(ExpressTable, TakesSmallFixedAndRotateSetsOnly) {
    EXPECT_TRUE(ExpressTable::slot_for(key_of(1, kA), rrset_of(kA, 1)));
    EXPECT_TRUE(ExpressTable::slot_for(key_of(1, kA), rrset_of(kA, XGSLB_EXPRESS_MAX_A)));
    EXPECT_FALSE(ExpressTable::slot_for(key_of(1, kA), rrset_of(kA, XGSLB_EXPRESS_MAX_A + 1)));
    EXPECT_TRUE(ExpressTable::slot_for(key_of(1, kAAAA), rrset_of(kAAAA, XGSLB_EXPRESS_MAX_AAAA)));
    EXPECT_FALSE(ExpressTable::slot_for(key_of(1, kAAAA), rrset_of(kAAAA, XGSLB_EXPRESS_MAX_AAAA + 1)));
    EXPECT_FALSE(ExpressTable::slot_for(key_of(1, kA), rrset_of(kA, 0)));
    EXPECT_TRUE(ExpressTable::slot_for(key_of(1, kA), rrset_of(kA, 3, XGSLB_SELECT_ROTATE)));
    EXPECT_FALSE(ExpressTable::slot_for(key_of(1, kA), rrset_of(kA, 3, XGSLB_SELECT_WEIGHTED)));
    EXPECT_FALSE(ExpressTable::slot_for(key_of(1, kA), rrset_of(kA, 3, XGSLB_SELECT_GEO)));
    EXPECT_FALSE(ExpressTable::slot_for(key_of(1, 16), rrset_of(kA, 1))) << "TXT";
    EXPECT_FALSE(ExpressTable::slot_for(key_of(1, kAAAA), rrset_of(kA, 1))) << "record length not the type's";
}

TEST(ExpressTable, SlotHoldsTheSetReadyToAnswer) {
    const xgslb_rrset v = rrset_of(kAAAA, 4, XGSLB_SELECT_ROTATE);
    const auto s = ExpressTable::slot_for(key_of(0xabc, kAAAA), v);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->hash, 0xabcu);
    EXPECT_EQ(s->check, v.check);
    EXPECT_EQ(s->qtype, kAAAA);
    EXPECT_EQ(s->count, 4);
    EXPECT_EQ(s->record_len, XGSLB_RR_AAAA_LEN);
    EXPECT_EQ(s->wire_len, 112);
    EXPECT_EQ(s->wire_csum, v.wire_csum);
    EXPECT_EQ(s->selection, XGSLB_SELECT_ROTATE);
    EXPECT_EQ(s->ttl, 30u);
    EXPECT_EQ(std::memcmp(s->wire, v.wire, 224), 0) << "records twice, so any rotation is one copy";
    EXPECT_EQ(s->sequence, 0u);
}

TEST(ExpressTable, PutPlacesInTheProbedSlotsWithAnEvenSequence) {
    std::vector<xgslb_express_slot> mem(64);
    ExpressTable t(mem);
    const auto k = key_of(0x1234567, kA);
    t.put(k, rrset_of(kA, 2));
    const uint32_t first = xgslb_express_slot_index(k.name_hash, kA, 63);
    ASSERT_EQ(t.find(k), first);
    EXPECT_EQ(mem[first].sequence, 2u) << "odd while written, even after";
    EXPECT_EQ(t.used(), 1u);
    // The same content again is not rewritten; a change is, once.
    t.put(k, rrset_of(kA, 2));
    EXPECT_EQ(mem[first].sequence, 2u);
    t.put(k, rrset_of(kA, 3));
    EXPECT_EQ(mem[first].sequence, 4u);
    EXPECT_EQ(mem[first].count, 3);
    // The AAAA set of the same name lands elsewhere.
    const auto k6 = key_of(k.name_hash, kAAAA);
    t.put(k6, rrset_of(kAAAA, 1));
    ASSERT_TRUE(t.find(k6));
    EXPECT_NE(*t.find(k6), first);
    EXPECT_EQ(t.used(), 2u);
}

TEST(ExpressTable, SecondProbeThenUnplaced) {
    std::vector<xgslb_express_slot> mem(64);
    ExpressTable t(mem);
    // Three names whose first slot is the same: the first two fit, the third is left to
    // xgslb_rrsets.
    std::vector<xgslb_rrset_key> keys;
    const uint32_t target = xgslb_express_slot_index(7, kA, 63);
    for (uint64_t h = 7; keys.size() < 3; h += 64)
        if (xgslb_express_slot_index(h, kA, 63) == target) keys.push_back(key_of(h, kA));
    for (const auto& k : keys) t.put(k, rrset_of(kA, 1));
    EXPECT_EQ(t.find(keys[0]), target);
    EXPECT_EQ(t.find(keys[1]), (target + 1) & 63);
    EXPECT_FALSE(t.find(keys[2]));
    EXPECT_EQ(t.unplaced(), 1u);
    // Freeing the home slot moves the second set home (the program stops at an empty home
    // slot), and the third goes after it.
    t.erase(keys[0]);
    EXPECT_FALSE(t.find(keys[0]));
    EXPECT_EQ(t.find(keys[1]), target);
    EXPECT_EQ(mem[(target + 1) & 63].qtype, 0);
    t.put(keys[2], rrset_of(kA, 1));
    EXPECT_EQ(t.find(keys[2]), (target + 1) & 63);
    // A set at home stays when the slot after it frees up.
    t.erase(keys[2]);
    EXPECT_EQ(t.find(keys[1]), target);
    EXPECT_EQ(t.used(), 1u);
}

TEST(ExpressTable, AMoveHomeCanFreeTheNextHome) {
    std::vector<xgslb_express_slot> mem(64);
    ExpressTable t(mem);
    // a and b share home h; c has home h + 1 and is pushed to h + 2 by b.
    auto home = [](uint64_t h) { return xgslb_express_slot_index(h, kA, 63); };
    const uint32_t h = home(3);
    std::vector<uint64_t> at_h, at_h1;
    for (uint64_t x = 3; at_h.size() < 2 || at_h1.empty(); ++x) {
        if (home(x) == h && at_h.size() < 2) at_h.push_back(x);
        else if (home(x) == ((h + 1) & 63) && at_h1.empty()) at_h1.push_back(x);
    }
    const auto a = key_of(at_h[0], kA), b = key_of(at_h[1], kA), c = key_of(at_h1[0], kA);
    t.put(a, rrset_of(kA, 1));
    t.put(b, rrset_of(kA, 1));
    t.put(c, rrset_of(kA, 1));
    ASSERT_EQ(t.find(a), h);
    ASSERT_EQ(t.find(b), (h + 1) & 63);
    ASSERT_EQ(t.find(c), (h + 2) & 63) << "its home is taken by b";
    t.erase(a);
    EXPECT_EQ(t.find(b), h);
    EXPECT_EQ(t.find(c), (h + 1) & 63);
    EXPECT_EQ(mem[(h + 2) & 63].qtype, 0);
    for (const auto& s : mem) EXPECT_EQ(s.sequence % 2, 0u);
}

TEST(ExpressTable, PutOfASetItCannotHoldForgetsTheOldOne) {
    std::vector<xgslb_express_slot> mem(64);
    ExpressTable t(mem);
    const auto k = key_of(99, kA);
    t.put(k, rrset_of(kA, 2, XGSLB_SELECT_ROTATE));
    ASSERT_TRUE(t.find(k));
    t.put(k, rrset_of(kA, 2, XGSLB_SELECT_WEIGHTED));
    EXPECT_FALSE(t.find(k));
    t.put(k, rrset_of(kA, 2));
    ASSERT_TRUE(t.find(k));
    t.put(k, rrset_of(kA, 8));
    EXPECT_FALSE(t.find(k));
    EXPECT_EQ(t.used(), 0u);
}

TEST(ExpressTable, WriteKeepsAnOddSequenceOddUntilDone) {
    std::vector<xgslb_express_slot> mem(64);
    ExpressTable t(mem);
    mem[5].sequence = 7;  // a writer died mid-write
    t.write_slot(5, *ExpressTable::slot_for(key_of(5, kA), rrset_of(kA, 1)));
    EXPECT_EQ(mem[5].sequence, 8u);
    t.write_slot(5, xgslb_express_slot{});
    EXPECT_EQ(mem[5].sequence, 10u);
    EXPECT_EQ(mem[5].qtype, 0);
}

TEST(ExpressTable, SizesThatAreNotAPowerOfTwoHoldNothing) {
    std::vector<xgslb_express_slot> mem(48), one(1);
    for (auto* m : {&mem, &one}) {
        ExpressTable t(*m);
        t.put(key_of(1, kA), rrset_of(kA, 1));
        EXPECT_EQ(t.size(), 0u);
        EXPECT_EQ(t.used(), 0u);
    }
}

TEST(ExpressTable, RebuildMatchesTheMapContents) {
    std::vector<xgslb_express_slot> mem(64);
    RrsetEntries rrsets;
    // Sorted keys (PackedEntries wants them in order): hashes 1..6.
    rrsets.append(key_of(1, kA), rrset_of(kA, 2));
    rrsets.append(key_of(2, kA), rrset_of(kA, 2, XGSLB_SELECT_WEIGHTED));  // not taken
    rrsets.append(key_of(3, kAAAA), rrset_of(kAAAA, 1));
    rrsets.append(key_of(4, kA), rrset_of(kA, 3, XGSLB_SELECT_ROTATE));
    {
        ExpressTable stale(mem);
        stale.put(key_of(1, kA), rrset_of(kA, 2, XGSLB_SELECT_FIXED, 9));  // old records
        stale.put(key_of(4, kA), rrset_of(kA, 3, XGSLB_SELECT_ROTATE));   // current
        stale.put(key_of(5, kA), rrset_of(kA, 1));                         // gone from the maps
        // A slot where no probe looks for it, and one left odd by a dead writer.
        auto misplaced = *ExpressTable::slot_for(key_of(6, kA), rrset_of(kA, 1));
        const uint32_t far = (xgslb_express_slot_index(6, kA, 63) + 5) & 63;
        stale.write_slot(far, misplaced);
        mem[*stale.find(key_of(4, kA))].sequence |= 1;
    }
    ExpressTable t(mem);
    EXPECT_EQ(t.used(), 4u) << "counted from the memory it was given";
    t.rebuild(rrsets);
    EXPECT_EQ(t.used(), 3u);
    for (uint64_t h : {1, 4}) {
        const auto at = t.find(key_of(h, kA));
        ASSERT_TRUE(at) << h;
        const auto want = *ExpressTable::slot_for(key_of(h, kA), rrsets.at(key_of(h, kA)));
        EXPECT_EQ(std::memcmp(&mem[*at].qtype, &want.qtype, sizeof want - offsetof(xgslb_express_slot, qtype)), 0) << h;
        EXPECT_EQ(mem[*at].sequence % 2, 0u) << h;
    }
    EXPECT_TRUE(t.find(key_of(3, kAAAA)));
    EXPECT_FALSE(t.find(key_of(2, kA)));
    EXPECT_FALSE(t.find(key_of(5, kA)));
    for (const auto& s : mem) EXPECT_FALSE(s.qtype && s.hash == 6) << "the misplaced slot is cleared";
}

}  // namespace
}  // namespace xgslb
