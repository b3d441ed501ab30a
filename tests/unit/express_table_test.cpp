// The express table's writer over plain memory: which sets it takes, where it puts them (the
// two slots the program probes, from the owner name), the name and compare masks a slot holds,
// the seqlock's sequence, erase, and rebuild from map contents.
#include "userspace/express_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "maps/express_slot_index.h"
#include "userspace/dns_name.h"

namespace xgslb {
namespace {

constexpr uint16_t kA = XGSLB_DNS_TYPE_A, kAAAA = XGSLB_DNS_TYPE_AAAA;
const uint64_t kSeed[2] = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL};

xgslb_name_hash hash_of(const std::string& owner) { return hash_wire_name(name_to_wire(owner), kSeed); }

xgslb_rrset_key key_of(const std::string& owner, uint16_t qtype) {
    xgslb_rrset_key k{};
    k.name_hash = hash_of(owner).hash;
    k.qtype = qtype;
    return k;
}

// A set of `owner` of `count` records of the qtype's length, each record's octets its index +
// `fill`, stored twice as the publisher stores them.
xgslb_rrset rrset_of(const std::string& owner, uint16_t qtype, unsigned count, uint8_t selection = XGSLB_SELECT_FIXED,
                     uint8_t fill = 1) {
    xgslb_rrset v{};
    v.check = hash_of(owner).check;
    v.ttl = 30;
    v.count = static_cast<uint16_t>(count);
    v.record_len = qtype == kA ? XGSLB_RR_A_LEN : XGSLB_RR_AAAA_LEN;
    v.wire_len = static_cast<uint16_t>(count * v.record_len);
    v.wire_csum = 0x1234;
    v.selection = selection;
    for (unsigned i = 0; i < v.wire_len; ++i) v.wire[i] = v.wire[v.wire_len + i] = static_cast<uint8_t>(i / v.record_len + fill);
    return v;
}

// The home slot of `owner`'s `qtype` set in a table of 64 slots.
uint32_t home(const std::string& owner, uint16_t qtype) {
    const WireName w = name_to_wire(owner);
    const __u64 seed[2] = {kSeed[0], kSeed[1]};
    return xgslb_express_slot_index(w.data(), static_cast<__u32>(w.size()), qtype, xgslb_express_seed(seed), 63);
}

// Names h<i>.example.com. whose home slot (A) is `target`, the first `n` of them.
std::vector<std::string> names_at(uint32_t target, size_t n) {
    std::vector<std::string> out;
    for (int i = 0; out.size() < n; ++i) {
        const std::string name = "h" + std::to_string(i) + ".example.com.";
        if (home(name, kA) == target) out.push_back(name);
    }
    return out;
}

struct Table {
    std::vector<xgslb_express_slot> mem;
    ExpressTable t;
    explicit Table(size_t n = 64) : mem(n), t(mem, kSeed) {}
    void put(const std::string& owner, uint16_t qtype, const xgslb_rrset& v) { t.put(key_of(owner, qtype), v, owner); }
};

const std::string kOwner = "www.cloud.example.com.";

std::optional<xgslb_express_slot> slot_of(const std::string& owner, uint16_t qtype, const xgslb_rrset& v) {
    Table table;
    return table.t.slot_for(key_of(owner, qtype), v, owner);
}

TEST(ExpressTable, TakesSmallFixedAndRotateSetsOnly) {
    const std::string& o = kOwner;
    EXPECT_TRUE(slot_of(o, kA, rrset_of(o, kA, 1)));
    EXPECT_TRUE(slot_of(o, kA, rrset_of(o, kA, XGSLB_EXPRESS_MAX_A)));
    EXPECT_FALSE(slot_of(o, kA, rrset_of(o, kA, XGSLB_EXPRESS_MAX_A + 1)));
    EXPECT_TRUE(slot_of(o, kAAAA, rrset_of(o, kAAAA, XGSLB_EXPRESS_MAX_AAAA)));
    EXPECT_FALSE(slot_of(o, kAAAA, rrset_of(o, kAAAA, XGSLB_EXPRESS_MAX_AAAA + 1)));
    EXPECT_FALSE(slot_of(o, kA, rrset_of(o, kA, 0)));
    EXPECT_TRUE(slot_of(o, kA, rrset_of(o, kA, 3, XGSLB_SELECT_ROTATE)));
    EXPECT_FALSE(slot_of(o, kA, rrset_of(o, kA, 3, XGSLB_SELECT_WEIGHTED)));
    EXPECT_FALSE(slot_of(o, kA, rrset_of(o, kA, 3, XGSLB_SELECT_GEO)));
    EXPECT_FALSE(slot_of(o, 16, rrset_of(o, kA, 1))) << "TXT";
    EXPECT_FALSE(slot_of(o, kAAAA, rrset_of(o, kA, 1))) << "record length not the type's";
}

// The table never hashes a name for the program, so it takes only an owner that is provably
// the set's: the key's hash and the value's check must both be the owner's.
TEST(ExpressTable, TakesOnlyAnOwnerWhoseHashIsTheSetsKey) {
    const xgslb_rrset v = rrset_of(kOwner, kA, 2);
    Table table;
    EXPECT_TRUE(table.t.slot_for(key_of(kOwner, kA), v, kOwner));
    EXPECT_TRUE(table.t.slot_for(key_of(kOwner, kA), v, "WWW.Cloud.Example.COM.")) << "any case: folded";
    EXPECT_FALSE(table.t.slot_for(key_of(kOwner, kA), v, "www2.cloud.example.com.")) << "another name";
    EXPECT_FALSE(table.t.slot_for(key_of("www2.cloud.example.com.", kA), v, "www2.cloud.example.com.")) << "another check";
    EXPECT_FALSE(table.t.slot_for(key_of(kOwner, kA), v, "")) << "no names entry";
    EXPECT_FALSE(table.t.slot_for(key_of(kOwner, kA), v, "www.cloud.exam")) << "a text cut short";
    EXPECT_FALSE(table.t.slot_for(key_of(kOwner, kA), v, "bad\\")) << "not a name";
}

// Names up to XGSLB_EXPRESS_NAME_MAX octets in wire form fit; longer ones are left to xgslb_rrsets.
TEST(ExpressTable, TakesNamesUpToTheSlotsNameLength) {
    const std::string fits = std::string(XGSLB_EXPRESS_NAME_MAX - 14, 'a') + ".example.com.";  // 64 octets
    const std::string longer = "b" + fits;
    ASSERT_EQ(name_to_wire(fits).size(), static_cast<size_t>(XGSLB_EXPRESS_NAME_MAX));
    EXPECT_TRUE(slot_of(fits, kA, rrset_of(fits, kA, 1)));
    EXPECT_FALSE(slot_of(longer, kA, rrset_of(longer, kA, 1)));
}

TEST(ExpressTable, SlotHoldsTheSetReadyToAnswer) {
    const xgslb_rrset v = rrset_of(kOwner, kAAAA, 4, XGSLB_SELECT_ROTATE);
    const auto s = slot_of(kOwner, kAAAA, v);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->hash, key_of(kOwner, kAAAA).name_hash);
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

// The name as the program compares it: lowercase wire octets, zero after; mask 0xdf on
// letters, 0xff on every other octet of the name (label lengths, digits, '-'), 0 after.
TEST(ExpressTable, SlotHoldsTheLowercasedNameAndItsCompareMasks) {
    const std::string owner = "Ab-9.X.";
    const xgslb_rrset v = rrset_of(owner, kA, 1);
    const auto s = slot_of(owner, kA, v);
    ASSERT_TRUE(s);
    const uint8_t want_name[] = {4, 'a', 'b', '-', '9', 1, 'x', 0};
    const uint8_t want_mask[] = {0xff, 0xdf, 0xdf, 0xff, 0xff, 0xff, 0xdf, 0xff};
    ASSERT_EQ(s->name_len, sizeof want_name);
    uint8_t name[XGSLB_EXPRESS_NAME_MAX], mask[XGSLB_EXPRESS_NAME_MAX];
    for (int w = 0; w < XGSLB_EXPRESS_NAME_WORDS; ++w)
        for (int i = 0; i < 8; ++i) {
            name[8 * w + i] = static_cast<uint8_t>(s->name[w] >> (8 * i));
            mask[8 * w + i] = static_cast<uint8_t>(s->name_mask[w] >> (8 * i));
        }
    for (size_t i = 0; i < XGSLB_EXPRESS_NAME_MAX; ++i) {
        EXPECT_EQ(name[i], i < sizeof want_name ? want_name[i] : 0) << i;
        EXPECT_EQ(mask[i], i < sizeof want_mask ? want_mask[i] : 0) << i;
    }
}

TEST(ExpressTable, PutPlacesInTheProbedSlotsWithAnEvenSequence) {
    Table table;
    auto& [mem, t] = table;
    const auto k = key_of(kOwner, kA);
    table.put(kOwner, kA, rrset_of(kOwner, kA, 2));
    const uint32_t first = home(kOwner, kA);
    ASSERT_EQ(t.find(k), first);
    EXPECT_EQ(t.home_of(mem[first]), first);
    EXPECT_EQ(mem[first].sequence, 2u) << "odd while written, even after";
    EXPECT_EQ(t.used(), 1u);
    // The same content again is not rewritten; a change is, once.
    table.put(kOwner, kA, rrset_of(kOwner, kA, 2));
    EXPECT_EQ(mem[first].sequence, 2u);
    table.put(kOwner, kA, rrset_of(kOwner, kA, 3));
    EXPECT_EQ(mem[first].sequence, 4u);
    EXPECT_EQ(mem[first].count, 3);
    // The AAAA set of the same name lands elsewhere.
    const auto k6 = key_of(kOwner, kAAAA);
    table.put(kOwner, kAAAA, rrset_of(kOwner, kAAAA, 1));
    ASSERT_TRUE(t.find(k6));
    EXPECT_NE(*t.find(k6), first);
    EXPECT_EQ(t.used(), 2u);
}

TEST(ExpressTable, SecondProbeThenUnplaced) {
    Table table;
    auto& [mem, t] = table;
    // Three names whose first slot is the same: the first two fit, the third is left to
    // xgslb_rrsets.
    const uint32_t target = home("h0.example.com.", kA);
    const std::vector<std::string> names = names_at(target, 3);
    std::vector<xgslb_rrset_key> keys;
    for (const auto& n : names) {
        keys.push_back(key_of(n, kA));
        table.put(n, kA, rrset_of(n, kA, 1));
    }
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
    table.put(names[2], kA, rrset_of(names[2], kA, 1));
    EXPECT_EQ(t.find(keys[2]), (target + 1) & 63);
    // A set at home stays when the slot after it frees up.
    t.erase(keys[2]);
    EXPECT_EQ(t.find(keys[1]), target);
    EXPECT_EQ(t.used(), 1u);
}

TEST(ExpressTable, AMoveHomeCanFreeTheNextHome) {
    Table table;
    auto& [mem, t] = table;
    // a and b share home h; c has home h + 1 and is pushed to h + 2 by b.
    const uint32_t h = home("h0.example.com.", kA);
    const auto at_h = names_at(h, 2);
    const auto at_h1 = names_at((h + 1) & 63, 1);
    const auto a = key_of(at_h[0], kA), b = key_of(at_h[1], kA), c = key_of(at_h1[0], kA);
    table.put(at_h[0], kA, rrset_of(at_h[0], kA, 1));
    table.put(at_h[1], kA, rrset_of(at_h[1], kA, 1));
    table.put(at_h1[0], kA, rrset_of(at_h1[0], kA, 1));
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
    Table table;
    auto& [mem, t] = table;
    const auto k = key_of(kOwner, kA);
    table.put(kOwner, kA, rrset_of(kOwner, kA, 2, XGSLB_SELECT_ROTATE));
    ASSERT_TRUE(t.find(k));
    table.put(kOwner, kA, rrset_of(kOwner, kA, 2, XGSLB_SELECT_WEIGHTED));
    EXPECT_FALSE(t.find(k));
    table.put(kOwner, kA, rrset_of(kOwner, kA, 2));
    ASSERT_TRUE(t.find(k));
    table.put(kOwner, kA, rrset_of(kOwner, kA, 8));
    EXPECT_FALSE(t.find(k));
    EXPECT_EQ(t.used(), 0u);
}

TEST(ExpressTable, WriteKeepsAnOddSequenceOddUntilDone) {
    Table table;
    auto& [mem, t] = table;
    mem[5].sequence = 7;  // a writer died mid-write
    t.write_slot(5, *slot_of(kOwner, kA, rrset_of(kOwner, kA, 1)));
    EXPECT_EQ(mem[5].sequence, 8u);
    t.write_slot(5, xgslb_express_slot{});
    EXPECT_EQ(mem[5].sequence, 10u);
    EXPECT_EQ(mem[5].qtype, 0);
}

TEST(ExpressTable, SizesThatAreNotAPowerOfTwoHoldNothing) {
    for (size_t n : {48, 1}) {
        Table table(n);
        table.put(kOwner, kA, rrset_of(kOwner, kA, 1));
        EXPECT_EQ(table.t.size(), 0u);
        EXPECT_EQ(table.t.used(), 0u);
    }
}

// A table over memory that already holds sets (a pinned map) finds them, and erases them.
TEST(ExpressTable, FindsTheSetsOfTheMemoryItIsGiven) {
    std::vector<xgslb_express_slot> mem(64);
    {
        ExpressTable first(mem, kSeed);
        first.put(key_of(kOwner, kA), rrset_of(kOwner, kA, 1), kOwner);
    }
    ExpressTable t(mem, kSeed);
    EXPECT_EQ(t.find(key_of(kOwner, kA)), home(kOwner, kA));
    t.erase(key_of(kOwner, kA));
    EXPECT_EQ(t.used(), 0u);
    EXPECT_EQ(mem[home(kOwner, kA)].qtype, 0);
}

TEST(ExpressTable, RebuildMatchesTheMapContents) {
    std::vector<xgslb_express_slot> mem(64);
    const std::string n1 = "n1.example.", n2 = "n2.example.", n3 = "n3.example.", n4 = "n4.example.",
                      n5 = "n5.example.", n6 = "n6.example.";
    struct Entry {
        xgslb_rrset_key key;
        xgslb_rrset value;
    };
    std::vector<Entry> entries = {{key_of(n1, kA), rrset_of(n1, kA, 2)},
                                  {key_of(n2, kA), rrset_of(n2, kA, 2, XGSLB_SELECT_WEIGHTED)},  // not taken
                                  {key_of(n3, kAAAA), rrset_of(n3, kAAAA, 1)},
                                  {key_of(n4, kA), rrset_of(n4, kA, 3, XGSLB_SELECT_ROTATE)}};
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::memcmp(&a.key, &b.key, sizeof a.key) < 0;
    });
    RrsetEntries rrsets;
    for (const auto& e : entries) rrsets.append(e.key, e.value);
    std::vector<std::pair<xgslb_name_key, std::string>> owners;
    for (const auto& n : {n1, n2, n3, n4}) owners.push_back({xgslb_name_key{hash_of(n).hash}, n});
    std::sort(owners.begin(), owners.end(), [](const auto& a, const auto& b) {
        return std::memcmp(&a.first, &b.first, sizeof a.first) < 0;
    });
    NameEntries names;
    for (const auto& [k, text] : owners) {
        xgslb_name v{};
        v.check = hash_of(text).check;
        std::memcpy(v.text, text.data(), text.size());
        names.append(k, v);
    }
    {
        ExpressTable stale(mem, kSeed);
        stale.put(key_of(n1, kA), rrset_of(n1, kA, 2, XGSLB_SELECT_FIXED, 9), n1);  // old records
        stale.put(key_of(n4, kA), rrset_of(n4, kA, 3, XGSLB_SELECT_ROTATE), n4);    // current
        stale.put(key_of(n5, kA), rrset_of(n5, kA, 1), n5);                          // gone from the maps
        // A slot where no probe looks for it, and one left odd by a dead writer.
        auto misplaced = *stale.slot_for(key_of(n6, kA), rrset_of(n6, kA, 1), n6);
        stale.write_slot((home(n6, kA) + 5) & 63, misplaced);
        mem[*stale.find(key_of(n4, kA))].sequence |= 1;
    }
    ExpressTable t(mem, kSeed);
    EXPECT_EQ(t.used(), 4u) << "counted from the memory it was given";
    t.rebuild(rrsets, names);
    EXPECT_EQ(t.used(), 3u);
    for (const auto& n : {n1, n4}) {
        const auto at = t.find(key_of(n, kA));
        ASSERT_TRUE(at) << n;
        const auto want = *t.slot_for(key_of(n, kA), rrsets.at(key_of(n, kA)), n);
        EXPECT_EQ(std::memcmp(&mem[*at].qtype, &want.qtype, sizeof want - offsetof(xgslb_express_slot, qtype)), 0) << n;
        EXPECT_EQ(mem[*at].sequence % 2, 0u) << n;
    }
    EXPECT_TRUE(t.find(key_of(n3, kAAAA)));
    EXPECT_FALSE(t.find(key_of(n2, kA)));
    EXPECT_FALSE(t.find(key_of(n5, kA)));
    for (const auto& s : mem) EXPECT_FALSE(s.qtype && s.hash == key_of(n6, kA).name_hash) << "the misplaced slot is cleared";
}

}  // namespace
}  // namespace xgslb
