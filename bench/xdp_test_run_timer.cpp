#include "bench/xdp_test_run_timer.h"

#include <bpf/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>

#include "userspace/error.h"

namespace xgslb::bench {

// bpf_prog_test_run_opts directly rather than test::run_xdp: it needs the kernel's duration,
// and must not allocate per call (the wall-clock time would include it).
TimedRun timed_test_run(int prog_fd, const test::Bytes& frame, test::Bytes& out) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = static_cast<__u32>(frame.size()), .data_size_out = static_cast<__u32>(out.size()),
                .repeat = 1);
    const auto t0 = std::chrono::steady_clock::now();
    const int err = bpf_prog_test_run_opts(prog_fd, &opts);
    const auto t1 = std::chrono::steady_clock::now();
    if (err) throw_errno("BPF_PROG_TEST_RUN", -err);
    return TimedRun{opts.retval, opts.duration,
                    static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()),
                    opts.data_size_out};
}

int pin_to_cpu(int requested) {
    if (requested == -1) return -1;
    const int cpu = requested == -2 ? static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)) - 1 : requested;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set)) throw_errno("pinning to CPU " + std::to_string(cpu), errno);
    return cpu;
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

}  // namespace xgslb::bench
