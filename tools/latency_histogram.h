// The userspace half of xdp_dns_loadgen's latency histogram: which values a bucket of
// loadgen_latency_bucket() (bpf/xdp_dns_loadgen.h) holds, and percentiles over the counts.
// Header-only: tools/xdp_dns_loadgen.cpp and tests/unit/latency_histogram_test.cpp use it.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "bpf/xdp_dns_loadgen.h"

namespace xgslb::loadgen {

// The smallest latency (ns) that falls into `bucket`.
constexpr uint64_t bucket_lowest(uint32_t bucket) {
    if (bucket < 2 * LOADGEN_SUB_BUCKETS) return bucket;
    const uint32_t power = bucket / LOADGEN_SUB_BUCKETS + LOADGEN_SUB_BITS - 1;  // floor(log2) of its values
    const uint64_t sub = bucket % LOADGEN_SUB_BUCKETS;
    return (LOADGEN_SUB_BUCKETS + sub) << (power - LOADGEN_SUB_BITS);
}

// The largest latency (ns) that falls into `bucket` (the last bucket also holds everything above).
constexpr uint64_t bucket_highest(uint32_t bucket) {
    return bucket + 1 < LOADGEN_LAT_BUCKETS ? bucket_lowest(bucket + 1) - 1 : UINT64_MAX;
}

// The p-quantile (0 < p <= 1) of the histogram: the highest value of the bucket that holds the
// ceil(p * total)-th smallest latency, so the true quantile is at most this and at least 15/16
// of it (a bucket spans at most 1/16 of its values). 0 when the histogram is empty.
inline uint64_t percentile(std::span<const uint64_t> counts, double p) {
    uint64_t total = 0;
    for (uint64_t c : counts) total += c;
    if (total == 0) return 0;
    // ceil(p * total), minus an epsilon so that 0.9 * 100000 is rank 90000, not 90001.
    auto rank = static_cast<uint64_t>(std::ceil(p * double(total) - 1e-9));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (uint32_t b = 0; b < counts.size(); ++b) {
        seen += counts[b];
        if (seen >= rank) return bucket_highest(b);
    }
    return bucket_highest(static_cast<uint32_t>(counts.size() - 1));
}

}  // namespace xgslb::loadgen
