// This cluster's part in the multi-cluster GSLB, owned by the daemon: the PeerPoller (other
// clusters' targets in) and, when `gslb.edgeUpdate` is set, the EdgeUpdater (our delegation out).
// The daemon (or the model loop) tells it which hosts exist and whether it is the leader, and
// hears about peers' targets through on_peers_changed.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "userspace/config.h"
#include "userspace/edge/edge_updater.h"
#include "userspace/gslb_model.h"
#include "userspace/peers/peer_poller.h"

namespace xgslb {

class ClusterPeering {
public:
    explicit ClusterPeering(const Config& config);  // config.gslb must be set; starts polling at once
    ~ClusterPeering();

    void set_hosts(std::vector<std::string> hosts);
    // Called on the poller's thread with every peer's targets whenever they change; a callback
    // set later is given the last result at once.
    void on_peers_changed(std::function<void(std::vector<PeerTargets>)> callback);
    void set_leader(bool leader);  // starts or pauses the edge updates (no-op without edgeUpdate)

private:
    void deliver(std::vector<PeerTargets> peers);

    std::mutex mutex_;
    std::function<void(std::vector<PeerTargets>)> callback_;  // guarded by mutex_
    std::optional<std::vector<PeerTargets>> last_;            // guarded by mutex_
    std::unique_ptr<EdgeUpdater> edge_;
    std::unique_ptr<PeerPoller> poller_;  // last: its thread calls deliver()
};

}  // namespace xgslb
