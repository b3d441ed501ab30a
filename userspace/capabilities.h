// After start (program loaded and attached, sockets bound, pins and the control socket made)
// xgslbd keeps only the capabilities its remaining work needs, in the effective, permitted and
// bounding sets (so a later exec cannot regain the others):
//   CAP_BPF        SIGHUP publishes: a changed listen set is a new inner map (BPF_MAP_CREATE),
//                  and libxdp loads its dispatcher when a reload adds an interface
//   CAP_NET_ADMIN  SIGHUP attaches to interfaces added to the config and detaches removed
//                  ones; SIGTERM detaches (netlink XDP setup)
//   CAP_PERFMON    with CAP_BPF, what the kernel wants for loading a program that libxdp's
//                  dispatcher path may need on a reload (pointer-bearing maps, BTF)
// Dropped: CAP_SYS_ADMIN (bpffs mount and BPF_*_GET_FD_BY_ID were needed at start only; so
// a reload cannot adopt a program someone else attached meanwhile: that takes a restart),
// CAP_NET_BIND_SERVICE (sockets are bound once; dns.listen changes need a restart anyway),
// CAP_SYS_RESOURCE, CAP_DAC_OVERRIDE and the rest. The uid stays 0: the pins, the control
// socket and /run/xgslb belong to root, and removing them on SIGTERM needs owner rights only.
// Limitation: capset(2) acts on the calling thread only; threads started before the drop keep
// their sets (README, Operations).
#pragma once

#include <string>

namespace xgslb {

// Throws xgslb::Error when the sets cannot be changed. A process that does not hold a kept
// capability (tests, a unit without it) simply does not gain it.
void drop_to_runtime_capabilities();

// The effective set as /proc/self/status shows it (CapEff), for the log line.
std::string effective_capabilities_hex();

}  // namespace xgslb
