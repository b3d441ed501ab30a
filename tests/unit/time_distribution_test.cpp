// bench/time_distribution.h: the summary every XDP timing tool prints.
#include "bench/time_distribution.h"

#include <gtest/gtest.h>

namespace xgslb::bench {
namespace {

TEST(TimeDistribution, NearestRankPercentiles) {
    std::vector<uint32_t> samples;
    for (uint32_t v = 100; v >= 1; --v) samples.push_back(v);  // unsorted on purpose
    const Distribution d = Distribution::of(samples);
    EXPECT_EQ(d.median, 50);  // rank 0.5 x 99 = 49
    EXPECT_EQ(d.p10, 10);
    EXPECT_EQ(d.p90, 90);
}

// The top percent (interrupts, preemption) is not in the mean: 1..99 average 50.
TEST(TimeDistribution, MeanLeavesOutTheTopPercent) {
    std::vector<uint32_t> samples;
    for (uint32_t v = 1; v <= 99; ++v) samples.push_back(v);
    samples.push_back(20000);
    EXPECT_DOUBLE_EQ(Distribution::of(samples).mean, 50.0);
}

// A clock that moves in 10 ns steps: a 115 ns run reads 110 or 120, half and half. The median
// is one of the two; the mean is the run's time.
TEST(TimeDistribution, MeanResolvesACoarseClock) {
    std::vector<uint32_t> samples;
    for (int i = 0; i < 1000; ++i) samples.push_back(i % 2 ? 120 : 110);
    const Distribution d = Distribution::of(samples);
    EXPECT_TRUE(d.median == 110 || d.median == 120);
    EXPECT_NEAR(d.mean, 115.0, 0.1);
}

TEST(TimeDistribution, NoSamplesIsAllZero) {
    const Distribution d = Distribution::of({});
    EXPECT_EQ(d.median, 0);
    EXPECT_EQ(d.mean, 0.0);
}

}  // namespace
}  // namespace xgslb::bench
