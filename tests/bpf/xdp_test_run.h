// Runs one frame through an XDP program with BPF_PROG_TEST_RUN (repeat = 1) and returns what
// the program did: its action and the frame as it left (rewritten in place, maybe resized).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tests/bpf/frame_builder.h"

namespace xgslb::test {

struct XdpRunResult {
    uint32_t action = 0;  // XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT
    Bytes output;
};

// Throws xgslb::Error when the kernel refuses the run (e.g. EINVAL for a frame shorter than an
// Ethernet header).
XdpRunResult run_xdp(int prog_fd, std::span<const uint8_t> frame);

// Runs, and returns -errno instead of throwing (0 on success).
int try_run_xdp(int prog_fd, std::span<const uint8_t> frame, XdpRunResult& out);

std::string xdp_action_name(uint32_t action);

}  // namespace xgslb::test
