// xdp_dns_loadgen's latency histogram: the BPF side's bucket function (bpf/xdp_dns_loadgen.h,
// compiled here as plain C++) and the userspace inverse and percentiles
// (tools/latency_histogram.h) must agree, or every percentile in the throughput table is wrong.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tools/latency_histogram.h"

namespace {

using xgslb::loadgen::bucket_highest;
using xgslb::loadgen::bucket_lowest;
using xgslb::loadgen::percentile;

// Counts as the BPF program would leave them after seeing `values`.
std::vector<uint64_t> histogram_of(const std::vector<uint64_t>& values) {
    std::vector<uint64_t> counts(LOADGEN_LAT_BUCKETS);
    for (uint64_t v : values) counts[loadgen_latency_bucket(v)]++;
    return counts;
}

TEST(LatencyHistogram, Log2IsFloorOfLog2) {
    for (uint32_t e = 0; e < 64; ++e) {
        const uint64_t v = uint64_t(1) << e;
        EXPECT_EQ(loadgen_log2(v), e);
        if (e > 0) {
            EXPECT_EQ(loadgen_log2(v - 1), e == 1 ? 0u : e - 1);
        }
        EXPECT_EQ(loadgen_log2(v | (v >> 1)), e);
    }
}

TEST(LatencyHistogram, BucketsAreContiguousAndOrdered) {
    EXPECT_EQ(bucket_lowest(0), 0u);
    for (uint32_t b = 0; b + 1 < LOADGEN_LAT_BUCKETS; ++b) {
        ASSERT_EQ(bucket_highest(b) + 1, bucket_lowest(b + 1)) << "bucket " << b;
        ASSERT_LE(bucket_lowest(b), bucket_highest(b)) << "bucket " << b;
    }
    EXPECT_EQ(bucket_highest(LOADGEN_LAT_BUCKETS - 1), UINT64_MAX);
}

// Every value lands in the bucket whose bounds contain it, and a bucket is at most 1/16 of its
// values wide: the precision the README and the table claim.
TEST(LatencyHistogram, ValueFallsWithinItsBucketBounds) {
    std::vector<uint64_t> probes;
    for (uint64_t v = 0; v < 200000; ++v) probes.push_back(v);
    for (uint64_t v = 200000; v < (uint64_t(1) << 35); v = static_cast<uint64_t>(double(v) * 1.01) + 7) probes.push_back(v);
    for (uint32_t e = 5; e < 35; ++e) {
        probes.push_back((uint64_t(1) << e) - 1);
        probes.push_back(uint64_t(1) << e);
    }
    for (uint64_t v : probes) {
        const uint32_t b = loadgen_latency_bucket(v);
        ASSERT_LT(b, LOADGEN_LAT_BUCKETS);
        ASSERT_LE(bucket_lowest(b), v) << v;
        ASSERT_GE(bucket_highest(b), v) << v;
        if (b >= 2 * LOADGEN_SUB_BUCKETS && b + 1 < LOADGEN_LAT_BUCKETS) {  // the last one is open-ended
            ASSERT_LE(bucket_highest(b) - bucket_lowest(b) + 1, bucket_lowest(b) / 16) << v;
        }
    }
    EXPECT_EQ(loadgen_latency_bucket(uint64_t(1) << 40), LOADGEN_LAT_BUCKETS - 1);  // clamped, not out of range
}

TEST(LatencyHistogram, PercentilesOfUniformLatencies) {
    std::vector<uint64_t> values;
    for (uint64_t us = 1; us <= 100000; ++us) values.push_back(us * 1000);  // 1 µs .. 100 ms
    const auto counts = histogram_of(values);
    for (double p : {0.5, 0.9, 0.99, 0.999}) {
        const double truth = p * 100000 * 1000;
        const double got = double(percentile(counts, p));
        EXPECT_GE(got, truth) << p;
        EXPECT_LE(got, truth * 17 / 16) << p;
    }
}

TEST(LatencyHistogram, RareSlowRepliesShowOnlyInTheirPercentile) {
    std::vector<uint64_t> values(990, 20000);      // 20 µs
    values.insert(values.end(), 9, 300000);        // 300 µs
    values.push_back(5000000);                     // 5 ms
    const auto counts = histogram_of(values);
    EXPECT_NEAR(double(percentile(counts, 0.5)), 20000, 20000 / 16.0);
    EXPECT_NEAR(double(percentile(counts, 0.99)), 20000, 20000 / 16.0);  // the 990th of 1000
    EXPECT_NEAR(double(percentile(counts, 0.995)), 300000, 300000 / 16.0);
    EXPECT_NEAR(double(percentile(counts, 0.999)), 300000, 300000 / 16.0);
    EXPECT_NEAR(double(percentile(counts, 1.0)), 5000000, 5000000 / 16.0);
}

TEST(LatencyHistogram, EmptyAndSingle) {
    EXPECT_EQ(percentile(std::vector<uint64_t>(LOADGEN_LAT_BUCKETS), 0.5), 0u);
    const auto counts = histogram_of({7});
    EXPECT_EQ(percentile(counts, 0.001), 7u);
    EXPECT_EQ(percentile(counts, 1.0), 7u);
}

}  // namespace
