#include "tests/bpf/xdp_test_run.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "userspace/error.h"

namespace xgslb::test {

int try_run_xdp(int prog_fd, std::span<const uint8_t> frame, XdpRunResult& out) {
    // The program may grow the frame (bpf_xdp_adjust_tail) up to one page.
    out.output.assign(16384, 0);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.output.data(),
                .data_size_in = static_cast<__u32>(frame.size()),
                .data_size_out = static_cast<__u32>(out.output.size()), .repeat = 1);
    int err = bpf_prog_test_run_opts(prog_fd, &opts);
    if (err) {
        out.output.clear();
        return err < 0 ? err : -err;
    }
    out.action = opts.retval;
    out.output.resize(opts.data_size_out);
    return 0;
}

XdpRunResult run_xdp(int prog_fd, std::span<const uint8_t> frame) {
    XdpRunResult out;
    if (int err = try_run_xdp(prog_fd, frame, out))
        throw_errno("BPF_PROG_TEST_RUN of a " + std::to_string(frame.size()) + "-octet frame", -err);
    return out;
}

std::string xdp_action_name(uint32_t action) {
    switch (action) {
        case XDP_ABORTED: return "XDP_ABORTED";
        case XDP_DROP: return "XDP_DROP";
        case XDP_PASS: return "XDP_PASS";
        case XDP_TX: return "XDP_TX";
        case XDP_REDIRECT: return "XDP_REDIRECT";
        default: return "XDP action " + std::to_string(action);
    }
}

}  // namespace xgslb::test
