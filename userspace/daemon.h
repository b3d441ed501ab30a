// xgslbd's life cycle: load the config, load the XDP program, start the model loop (the cluster
// source, the controller, the peers' targets -> ZoneView; userspace/cluster/model_loop.h), which
// publishes every view to the maps and to the slow-path DNS server; attach; then follow signals:
// SIGHUP re-reads the config, publishes only what changed and hands the server the new view, SIGTERM/SIGINT stop
// the server and detach (unless xdp.keepAttached) and exit. Between signals the same loop lets
// the DataPlaneWatch repair what changes outside (pins removed, interfaces re-created). A config that fails to load at
// start exits non-zero before any BPF state is touched; one that fails on SIGHUP is logged and
// the last good data keeps being served.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "maps/bpf_map_writer.h"
#include "userspace/cluster/model_loop.h"
#include "userspace/config.h"
#include "userspace/control_socket.h"
#include "userspace/data_plane_watch.h"
#include "userspace/daemon_metrics.h"
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
    // The model loop's sink: the maps (only differences), then the slow path and control socket.
    void publish(std::shared_ptr<const ZoneView> view);
    void publish_rrl(const Config& config);
    void attach_interfaces(const Config& next);
    void shut_down();
    void start_peering();
    // The hosts the peers are asked about: the model's and the static strategy records'.
    std::vector<std::string> peer_hosts(std::vector<std::string> model_hosts) const;

    std::string config_path_;
    Config config_;
    std::unique_ptr<XdpProgram> program_;
    std::unique_ptr<BpfMapWriter> writer_;
    std::unique_ptr<Publisher> publisher_;
    std::mutex publish_mutex_;  // the model loop's thread publishes; start/stop touch the sinks
    std::shared_ptr<const ZoneView> view_;
    std::unique_ptr<DnsServer> server_;
    std::unique_ptr<ControlSocket> control_;  // xgslbctl's channel (zone export, status)
    std::unique_ptr<DaemonMetrics> metrics_;  // registry, /metrics /healthz /readyz, status
    std::unique_ptr<ModelLoop> model_;        // source -> controller -> view -> publish()
    std::unique_ptr<ClusterPeering> peering_;  // gslb: peers and the edge delegation (issue 6)
    std::unique_ptr<DataPlaneWatch> watch_;    // pins and attachments repaired after outside changes
};

}  // namespace xgslb
