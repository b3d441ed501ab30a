// One timed BPF_PROG_TEST_RUN call, and the CPU pinning around it: the measuring loop that
// bench/xdp_query_cost and bench/rrl_cost share (method in xdp_query_cost.cpp's header).
#pragma once

#include <cstdint>
#include <string>

#include "tests/bpf/frame_builder.h"

namespace xgslb::bench {

struct TimedRun {
    uint32_t action = 0;
    uint32_t kernel_ns = 0;  // the kernel's `duration` of the one run (repeat = 1)
    uint32_t wall_ns = 0;    // the whole bpf() call as user space sees it
    uint32_t out_size = 0;
};

// Runs `frame` once (repeat = 1: the program rewrites its buffer, so a second run would see the
// response). `out` must be large enough for any response; nothing is allocated per call.
TimedRun timed_test_run(int prog_fd, const test::Bytes& frame, test::Bytes& out);

// Pins the calling thread: -2 the last online CPU, -1 not at all, else that CPU. Returns the
// CPU pinned to, or -1. Per-CPU state (RRL buckets, rotation) and caches stay on one core.
int pin_to_cpu(int requested);

// The first three fields of /proc/loadavg, for the report.
std::string load_average();

}  // namespace xgslb::bench
