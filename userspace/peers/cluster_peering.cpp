#include "userspace/peers/cluster_peering.h"

namespace xgslb {

ClusterPeering::ClusterPeering(const Config& config) {
    if (config.gslb->edge_update) edge_ = std::make_unique<EdgeUpdater>(EdgeUpdaterOptions::from(config));
    poller_ = std::make_unique<PeerPoller>(PeerPollerOptions::from(config),
                                           [this](std::vector<PeerTargets> peers) { deliver(std::move(peers)); });
}

ClusterPeering::~ClusterPeering() {
    poller_.reset();  // joins before the callback state goes
    edge_.reset();
}

void ClusterPeering::set_hosts(std::vector<std::string> hosts) { poller_->set_hosts(std::move(hosts)); }

void ClusterPeering::on_peers_changed(std::function<void(std::vector<PeerTargets>)> callback) {
    std::lock_guard lock(mutex_);
    callback_ = std::move(callback);
    if (callback_ && last_) callback_(*last_);
}

void ClusterPeering::set_leader(bool leader) {
    if (edge_) edge_->set_leader(leader);
}

void ClusterPeering::deliver(std::vector<PeerTargets> peers) {
    std::lock_guard lock(mutex_);
    last_ = peers;
    if (callback_) callback_(std::move(peers));
}

}  // namespace xgslb
