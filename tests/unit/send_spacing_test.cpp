// xdp_dns_loadgen's send spacing (tools/send_spacing.h): the throughput harness reports how
// bursty the generator was from it, and the smoke test fails a bursty pacing by it, so it must
// tell evenly spread frames from bursts at the same mean rate.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tools/send_spacing.h"

namespace {

using xgslb::loadgen::send_spacing;

// `frames` send times `gap_ns` apart from `start`.
std::vector<uint64_t> evenly(uint64_t start, uint64_t frames, uint64_t gap_ns) {
    std::vector<uint64_t> t;
    for (uint64_t i = 0; i < frames; ++i) t.push_back(start + i * gap_ns);
    return t;
}

TEST(SendSpacing, EvenlySpreadFramesMakeNoBursts) {
    // 400k/s: 2.5 µs apart, 4 per 10 µs slot.
    const auto s = send_spacing(evenly(1'000'000, 4000, 2500), 400000);
    EXPECT_EQ(s.frames, 4000u);
    EXPECT_EQ(s.slot_max, 4u);
    EXPECT_EQ(s.burst_limit, 8u);
    EXPECT_EQ(s.burst_pct, 0.0);
    EXPECT_EQ(s.gap_p1_ns, 2500u);
    EXPECT_EQ(s.gap_p50_ns, 2500u);
    EXPECT_EQ(s.gap_p99_ns, 2500u);
}

TEST(SendSpacing, OneMillisecondBurstsAtTheSameRateAreBursts) {
    // 400k/s as 400 frames 0.5 µs apart (a live-frames call at full speed) every millisecond.
    std::vector<uint64_t> t;
    for (uint64_t ms = 0; ms < 10; ++ms)
        for (uint64_t v : evenly(ms * 1'000'000 + 5'000'000, 400, 500)) t.push_back(v);
    const auto s = send_spacing(t, 400000);
    EXPECT_EQ(s.frames, 4000u);
    EXPECT_EQ(s.slot_max, 20u);
    EXPECT_EQ(s.burst_pct, 100.0);
    EXPECT_EQ(s.gap_p50_ns, 500u);
}

TEST(SendSpacing, CountsOnlyTheFramesInBurstsAndIgnoresUnusedSlots) {
    // 50k/s (one per 20 µs) with one catch-up of 30 frames back to back: 30 of 130 in a burst.
    auto t = evenly(2'000'000, 100, 20000);
    for (uint64_t v : evenly(10'000'000, 30, 200)) t.push_back(v);
    t.push_back(0);  // a slot of the map never written
    std::swap(t.front(), t.back());  // any order
    const auto s = send_spacing(t, 50000);
    EXPECT_EQ(s.frames, 130u);
    EXPECT_EQ(s.burst_limit, 4u);
    EXPECT_EQ(s.slot_max, 30u);
    EXPECT_NEAR(s.burst_pct, 100.0 * 30 / 130, 1e-9);
}

TEST(SendSpacing, NoFramesNoFigures) {
    const auto s = send_spacing({0, 0}, 1000);
    EXPECT_EQ(s.frames, 0u);
    EXPECT_EQ(s.slot_max, 0u);
    EXPECT_EQ(s.burst_pct, 0.0);
}

}  // namespace
