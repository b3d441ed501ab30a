// xgslbd's life cycle: load the config, load the XDP program, publish the ZoneView to its maps,
// start the slow-path DNS server on the same view, attach; then follow signals: SIGHUP re-reads
// the config, publishes only what changed and hands the server the new view, SIGTERM/SIGINT stop
// the server and detach (unless xdp.keepAttached) and exit. A config that fails to load at
// start exits non-zero before any BPF state is touched; one that fails on SIGHUP is logged and
// the last good data keeps being served.
#pragma once

#include <memory>
#include <mutex>
#include <vector>
#include <string>

#include "maps/bpf_map_writer.h"
#include "userspace/config.h"
#include "userspace/control_socket.h"
#include "userspace/dns_server.h"
#include "userspace/peers/cluster_peering.h"
#include "userspace/publisher.h"
#include "userspace/xdp_program.h"
#include "userspace/zone_view.h"

namespace xgslb {

class Daemon {
public:
    explicit Daemon(std::string config_path);  // throws xgslb::Error on a bad config
    ~Daemon();

    int run();  // until SIGTERM/SIGINT; returns the exit code

private:
    void start();
    void reload();
    void publish(const Config& config);
    void attach_interfaces(const Config& next);
    void shut_down();
    void start_peering();
    std::shared_ptr<const ZoneView> assemble(const Config& config);

    std::string config_path_;
    Config config_;
    std::unique_ptr<XdpProgram> program_;
    std::unique_ptr<BpfMapWriter> writer_;
    std::unique_ptr<Publisher> publisher_;
    std::shared_ptr<const ZoneView> view_;
    std::unique_ptr<DnsServer> server_;
    std::unique_ptr<ControlSocket> control_;  // xgslbctl's channel (zone export)
    std::unique_ptr<ClusterPeering> peering_;  // gslb: peers and the edge delegation (issue 6)
    std::mutex peers_mutex_;
    std::vector<PeerTargets> peers_;  // the last the poller delivered; guarded by peers_mutex_
    int peers_event_ = -1;            // eventfd: the poller wakes the main loop to republish
};

}  // namespace xgslb
