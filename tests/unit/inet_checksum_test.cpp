#include "userspace/inet_checksum.h"

#include <gtest/gtest.h>

namespace xgslb {
namespace {

TEST(InetChecksum, Rfc1071Example) {
    // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (2ddf0 folded).
    const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(ones_complement_sum(data, sizeof data), 0xddf2);
    EXPECT_EQ(static_cast<uint16_t>(~ones_complement_sum(data, sizeof data)), 0x220d);
}

TEST(InetChecksum, OddLengthPadsWithZero) {
    const uint8_t data[] = {0x12, 0x34, 0x56};
    EXPECT_EQ(ones_complement_sum(data, 3), 0x1234 + 0x5600);
    EXPECT_EQ(ones_complement_sum(data, 0), 0);
}

TEST(InetChecksum, EndAroundCarry) {
    const uint8_t data[] = {0xff, 0xff, 0x00, 0x01};
    EXPECT_EQ(ones_complement_sum(data, 4), 0x0001);  // ffff + 1 = 1_0000 -> 0001
    EXPECT_EQ(fold_sum(0x2ddf0), 0xddf2);
    EXPECT_EQ(fold_sum(0xffffffffULL), 0xffff);
}

TEST(InetChecksum, PartialSumsCombine) {
    // Summing in two even-length pieces equals summing the whole: what lets XDP add a
    // precomputed rrset sum to the header's sum.
    const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    const uint16_t first = ones_complement_sum(data, 4);
    EXPECT_EQ(ones_complement_sum(data + 4, 4, first), 0xddf2);
}

}  // namespace
}  // namespace xgslb
