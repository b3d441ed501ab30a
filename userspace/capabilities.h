// Which capabilities xgslbd holds, and when.
//
// At start (what deploy/systemd's CapabilityBoundingSet and the DaemonSet's capabilities grant;
// tests/integration/capabilities_test.sh starts the daemon with exactly these):
//   CAP_BPF, CAP_PERFMON  load the program, create and pin maps (BTF, pointer-bearing maps)
//   CAP_NET_ADMIN         XDP programs are networking programs; attach them (netlink)
//   CAP_SYS_ADMIN         mount bpffs when missing; find the program an earlier daemon left
//                         attached by its id (BPF_PROG_GET_FD_BY_ID), for a hitless restart
//   CAP_NET_BIND_SERVICE  bind port 53
//   CAP_SETPCAP           clear the bounding set during the drop
//
// After start (program loaded and attached, sockets bound, pins and the control socket made,
// every thread started), every thread of the process keeps only, in its effective and
// permitted sets (thread_capabilities.h):
//   CAP_BPF        publishing a changed listen set creates a new inner map (BPF_MAP_CREATE);
//                  libxdp loads its dispatcher when an interface is (re)attached
//   CAP_NET_ADMIN  attaching to an interface added on SIGHUP or back after it went away
//                  (re-attach on faults), detaching on SIGTERM (netlink XDP setup)
//   CAP_PERFMON    with CAP_BPF, what loading libxdp's dispatcher and its freplace programs on
//                  such a re-attach needs
// The rest goes, and so do the inheritable, ambient and bounding sets, and no_new_privs is set,
// so nothing — not an exec, not a file capability — can bring a capability back. Every thread
// gets the same set: threads share one address space, so a narrower set on one thread would
// not contain a thread that is taken over; what counts is that no thread keeps more.
// Re-pinning maps needs no capability (bpffs files of our own uid); re-mounting bpffs would
// (CAP_SYS_ADMIN), and so would adopting a program someone else attached meanwhile: both take a
// restart. The uid stays 0: the pins, the control socket and /run/xgslb belong to root.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xgslb {

struct CapabilityPolicy {
    std::vector<int> start;    // what the daemon needs to start
    std::vector<int> runtime;  // what every thread keeps after start
};
const CapabilityPolicy& capability_policy();

// Throws xgslb::Error when any thread cannot be changed. A process that does not hold a kept
// capability (tests, a unit without it) simply does not gain it; without CAP_SETPCAP the
// bounding set stays as it was given (logged).
void drop_to_runtime_capabilities();

// "CAP_BPF CAP_NET_ADMIN ..." for a set as /proc shows it (bit n = capability n).
std::string capability_names(uint64_t set);
uint64_t capability_mask(const std::vector<int>& caps);

// The effective set as /proc/self/status shows it (CapEff), for the log line.
std::string effective_capabilities_hex();

}  // namespace xgslb
