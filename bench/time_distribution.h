// The distribution of per-call times of one program, in nanoseconds, as every XDP timing tool
// of bench/ summarises it (xdp_query_cost, xdp_stage_cost, rrl_cost).
//
// Why a mean beside the median. BPF_PROG_TEST_RUN's `duration` is the difference of two reads
// of the kernel's clock, and on some hosts that clock moves in coarse steps: on the Zen 5 VM of
// session 10 the TSC, read in a loop, advanced 26 cycles (10 ns) at a time, so nearly every
// duration was a multiple of 10 ns, and so was every median: a difference of medians could only
// be 0, 10, 20... A run starts at a random phase of the step, so the mean of many durations is
// not quantised: it is the run's true mean time. Calls above the 99th percentile (interrupts,
// preemption) are left out of it, the same share for every program, so that a rare 20 µs
// outlier does not move it.
#pragma once

#include <cstdint>
#include <vector>

namespace xgslb::bench {

struct Distribution {
    int64_t median = 0, p10 = 0, p90 = 0;  // nearest rank
    double mean = 0;                       // of the samples at or below the 99th percentile
    static Distribution of(std::vector<uint32_t> samples);
};

}  // namespace xgslb::bench
