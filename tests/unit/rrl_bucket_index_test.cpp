// The RRL slot function (maps/rrl_bucket_index.h), shared by the XDP program and C++: prefixes
// must spread over the slots (a slot is a shared bucket, so clumping makes limiting stricter for
// everyone in it), every word of an address must count, and which prefixes share a slot must
// depend on the instance's seeds, so nobody outside can pick prefixes that share a victim's.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <set>

#include "maps/rrl_bucket_index.h"

namespace {

const __u64 kSeed[2] = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL};

using Words = std::array<__u32, 4>;

uint32_t slot(uint8_t family, const Words& w, const __u64 seed[2] = kSeed) {
    return xgslb_rrl_bucket_index(family, w.data(), seed);
}

// 4096 keys into 65536 slots land on ~3970 distinct slots when spread uniformly at random.
constexpr int kKeys = 4096;
constexpr size_t kSpreadFloor = 3900;

TEST(RrlBucketIndex, SlotsAreInRange) {
    std::mt19937_64 rng(1);
    for (int i = 0; i < 10000; ++i) {
        const Words w{static_cast<__u32>(rng()), static_cast<__u32>(rng()), static_cast<__u32>(rng()),
                      static_cast<__u32>(rng())};
        EXPECT_LT(slot(XGSLB_FAMILY_IPV6, w), static_cast<uint32_t>(XGSLB_RRL_BUCKETS));
    }
}

TEST(RrlBucketIndex, Ipv4PrefixesSpread) {
    std::set<uint32_t> slots;
    for (int i = 0; i < kKeys; ++i) slots.insert(slot(XGSLB_FAMILY_IPV4, {htonl(0x0a000000u | (i << 8)), 0, 0, 0}));
    EXPECT_GE(slots.size(), kSpreadFloor);
}

// A /56 varies the first two words; the others must count as well (longer prefixes, or a mask
// configured wider than the default).
TEST(RrlBucketIndex, EveryIpv6WordCounts) {
    for (int word = 0; word < 4; ++word) {
        std::set<uint32_t> slots;
        for (int i = 0; i < kKeys; ++i) {
            Words w{htonl(0x20010db8u), 0, 0, 0};
            w[word] ^= htonl(static_cast<__u32>(i) << 8);
            slots.insert(slot(XGSLB_FAMILY_IPV6, w));
        }
        EXPECT_GE(slots.size(), kSpreadFloor) << "word " << word;
    }
}

TEST(RrlBucketIndex, SlotsDependOnTheSeed) {
    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 8; ++trial) {
        const __u64 other[2] = {rng(), rng()};
        int same = 0, same6 = 0;
        for (int i = 0; i < kKeys; ++i) {
            const Words w{htonl(0xc0a80000u | (i << 8)), 0, 0, 0};
            same += slot(XGSLB_FAMILY_IPV4, w) == slot(XGSLB_FAMILY_IPV4, w, other);
            const Words w6{htonl(0x20010db8u), htonl(static_cast<__u32>(i) << 8), 0, 0};
            same6 += slot(XGSLB_FAMILY_IPV6, w6) == slot(XGSLB_FAMILY_IPV6, w6, other);
        }
        // Independent slots would agree for ~4096/65536 keys; a seed that did not matter, for all.
        EXPECT_LT(same, 8) << "trial " << trial;
        EXPECT_LT(same6, 8) << "trial " << trial;
    }
}

// Whatever pair of prefixes an outsider picks, they share a slot only for ~1 seed in 32768
// (the two top-16-bit outcomes next to each other): never for most of 2000 random seeds.
TEST(RrlBucketIndex, NoPairOfPrefixesSharesASlotWhateverTheSeed) {
    const std::array<std::pair<Words, Words>, 5> pairs{{
        {{htonl(0x0a000100u), 0, 0, 0}, {htonl(0x0a000200u), 0, 0, 0}},
        {{htonl(0x0a000000u), 0, 0, 0}, {htonl(0x8a000000u), 0, 0, 0}},
        {{0, 0, 0, 0}, {htonl(0x00000100u), 0, 0, 0}},
        {{htonl(0x20010db8u), htonl(0x00000100u), 0, 0}, {htonl(0x20010db8u), htonl(0x00000200u), 0, 0}},
        {{htonl(0x20010db8u), 0, 0, 0}, {htonl(0x20010db8u), 0, htonl(1u), 0}},
    }};
    std::mt19937_64 rng(7);
    for (size_t p = 0; p < pairs.size(); ++p) {
        const uint8_t family = pairs[p].first[1] || pairs[p].first[2] || pairs[p].second[1] || pairs[p].second[2]
                                   ? XGSLB_FAMILY_IPV6
                                   : XGSLB_FAMILY_IPV4;
        int shared = 0;
        for (int s = 0; s < 2000; ++s) {
            const __u64 seed[2] = {rng(), rng()};
            shared += slot(family, pairs[p].first, seed) == slot(family, pairs[p].second, seed);
        }
        EXPECT_LE(shared, 3) << "pair " << p;
    }
}

}  // namespace
