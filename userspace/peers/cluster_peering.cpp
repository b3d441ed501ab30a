#include "userspace/peers/cluster_peering.h"

#include <algorithm>

#include "userspace/dns_name.h"
#include "userspace/gslb_names.h"

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

std::vector<std::string> gslb_hosts_of(const Config& config) {
    std::vector<std::string> hosts;
    auto plain = [](const std::string& name) {
        std::string s = canonical_name(name);
        if (s.size() > 1) s.pop_back();
        return s;
    };
    for (const RecordConfig& r : config.records) {
        if (r.strategy) hosts.push_back(plain(r.name));
        const std::string host = host_of_localtargets(plain(r.name));
        if (!host.empty()) hosts.push_back(host);
    }
    std::sort(hosts.begin(), hosts.end());
    hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
    return hosts;
}

}  // namespace xgslb
