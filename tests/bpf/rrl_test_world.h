// A private instance of the XDP program for the RRL tests and the BPF fuzzer: its own maps (the
// shared PacketWorld's must never be rate limited), the packet-test fixture published through
// the real controller path, and the RRL maps written by the daemon's writer from an RrlConfig.
// BPF_PROG_TEST_RUN runs on the calling CPU and the buckets are per CPU, so the world pins the
// calling thread to one CPU while it lives.
#pragma once

#include <sched.h>

#include <memory>
#include <string>

#include "tests/bpf/packet_test_support.h"
#include "userspace/config.h"

namespace xgslb::test {

class RrlWorld {
public:
    RrlWorld();  // RRL off until configure()
    ~RrlWorld();
    RrlWorld(const RrlWorld&) = delete;
    RrlWorld& operator=(const RrlWorld&) = delete;

    void configure(const RrlConfig& rrl);
    void forget_clients();  // every bucket emptied: the next query of each prefix starts full
    // The xgslb_rrl slot of a client address (textual IPv4 or IPv6) under the current config.
    uint32_t bucket_of(const std::string& client) const;
    XdpRunResult run(const Bytes& frame) const { return run_xdp(program_->prog_fd(), frame); }
    xgslb_stats stats() const;
    const XdpProgram& program() const { return *program_; }

private:
    cpu_set_t saved_affinity_{};
    std::unique_ptr<XdpProgram> program_;
};

RrlConfig rrl_config(uint32_t per_second, uint32_t slip);

}  // namespace xgslb::test
