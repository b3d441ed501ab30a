// The express table's name compare and slot index (maps/express_slot_index.h), shared by the XDP
// program and the writer: the masked compare is exactly case-insensitive equality, for every
// pair of octets; the index spreads names, every word of a name counts, and it depends on the
// seed and the type.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "maps/express_slot_index.h"
#include "userspace/dns_name.h"

namespace {

const __u64 kSeed[2] = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL};

uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }

// Every (query octet, owner octet) pair: the slot stores lowercase(owner) and its mask, and the
// compare must say "equal" exactly when the two octets are equal ignoring ASCII case.
TEST(ExpressNameMatch, MaskedCompareIsCaseInsensitiveEqualityForEveryOctetPair) {
    int matches = 0;
    for (int q = 0; q < 256; ++q)
        for (int o = 0; o < 256; ++o) {
            const uint8_t stored = lower(static_cast<uint8_t>(o));
            const uint8_t mask = xgslb_express_mask_octet(static_cast<uint8_t>(o));
            const bool want = lower(static_cast<uint8_t>(q)) == stored;
            ASSERT_EQ(xgslb_express_octets_match(static_cast<uint8_t>(q), stored, mask) != 0, want)
                << "query 0x" << std::hex << q << " owner 0x" << o;
            matches += want;
        }
    EXPECT_EQ(matches, 256 + 2 * 26) << "each octet itself, and both cases of each letter once more";
}

// Octets that differ only in bit 5 but are not letters never match: '-' and '\r', '@' and '`',
// '[' and '{', a label length 3 and 0x23 ('#').
TEST(ExpressNameMatch, NonLettersDifferingInBit5DoNotMatch) {
    for (auto [a, b] : {std::pair<uint8_t, uint8_t>{'-', '\r'}, {'@', '`'}, {'[', '{'}, {3, 0x23}, {'0', 0x10}}) {
        EXPECT_FALSE(xgslb_express_octets_match(a, lower(b), xgslb_express_mask_octet(b)));
        EXPECT_FALSE(xgslb_express_octets_match(b, lower(a), xgslb_express_mask_octet(a)));
    }
}

uint32_t index_of(const std::string& name, uint16_t qtype, uint32_t mask = 65535, __u64 seed = xgslb_express_seed(kSeed)) {
    const xgslb::WireName w = xgslb::name_to_wire(name);
    return xgslb_express_slot_index(w.data(), static_cast<__u32>(w.size()), qtype, seed, mask);
}

// Both cases of a letter fold to one index (a 0x20-randomised query finds its slot).
TEST(ExpressSlotIndex, CaseDoesNotMoveAName) {
    EXPECT_EQ(index_of("www.cloud.example.com.", 1), index_of("WwW.ClOuD.eXaMpLe.CoM.", 1));
}

// 4096 names into 65536 slots land on ~3970 distinct slots when spread uniformly at random.
constexpr int kNames = 4096;
constexpr size_t kSpreadFloor = 3900;

TEST(ExpressSlotIndex, NamesOfOneZoneSpread) {
    std::set<uint32_t> slots;
    for (int i = 0; i < kNames; ++i) slots.insert(index_of("app" + std::to_string(i) + ".cloud.example.com.", 1));
    EXPECT_GE(slots.size(), kSpreadFloor);
}

// k8gb names share long prefixes and suffixes; an octet anywhere in the name must count: the
// same varying label placed at the start, in the middle (after a 40-octet label) and last.
TEST(ExpressSlotIndex, EveryPartOfTheNameCounts) {
    const std::string pad(40, 'x');
    for (int where = 0; where < 3; ++where) {
        std::set<uint32_t> slots;
        for (int i = 0; i < kNames; ++i) {
            const std::string v = "n" + std::to_string(i);
            const std::string name = where == 0 ? v + "." + pad + ".example.com."
                                   : where == 1 ? "localtargets-" + pad.substr(0, 12) + "." + v + ".example.com."
                                                : "localtargets-app." + pad.substr(0, 20) + "." + v + ".";
            slots.insert(index_of(name, 1));
        }
        EXPECT_GE(slots.size(), kSpreadFloor) << "part " << where;
    }
}

TEST(ExpressSlotIndex, TypeAndSeedMoveAName) {
    int same_type = 0, same_seed = 0;
    const __u64 other[2] = {kSeed[0] + 1, kSeed[1]};
    for (int i = 0; i < 1000; ++i) {
        const std::string name = "s" + std::to_string(i) + ".cloud.example.com.";
        same_type += index_of(name, 1) == index_of(name, 28);
        same_seed += index_of(name, 1) == index_of(name, 1, 65535, xgslb_express_seed(other));
    }
    EXPECT_LE(same_type, 5) << "A and AAAA of a name would compete for the same two slots";
    EXPECT_LE(same_seed, 5) << "placement must depend on the instance's seed";
}

}  // namespace
