// The daemon's model loop: every change of its inputs — the cluster (a ClusterSource), the
// peers' targets, the config (SIGHUP) — runs
//   controller -> hosts -> build_view(config, hosts, peers) -> publish (maps and slow path)
// and, when this daemon is the leader, writes back the Gslb statuses that changed and creates
// the Gslbs that annotated Ingresses ask for. One thread does the work, so a burst of changes
// coalesces into one publish; a periodic resync re-runs everything as a safety net.
//
// Fail-static: when the source stops delivering (API down, a bad file) nothing is unpublished;
// the last view keeps being served, and the loop says so once in the log.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "userspace/cluster/cluster_source.h"
#include "userspace/cluster/controller.h"
#include "userspace/config.h"
#include "userspace/zone_view.h"

namespace xgslb {

class ModelLoop {
public:
    using ViewBuilder = std::function<std::shared_ptr<const ZoneView>(
        const Config&, const std::vector<GslbHost>&, const std::vector<PeerTargets>&)>;
    using Publish = std::function<void(std::shared_ptr<const ZoneView>)>;
    using HostsChanged = std::function<void(std::vector<std::string>)>;

    struct Counters {
        uint64_t publishes = 0;
        uint64_t controller_runs = 0;
        uint64_t status_writes = 0;
        uint64_t gslbs_created = 0;
        uint64_t ingresses_written = 0;  // created or updated for embedded spec.ingress
        uint64_t failures = 0;  // steps that threw; the last view stays published
    };

    // `source` may be null (static records only). `publish` gets every new view, from the
    // loop's thread or from start()/reload().
    ModelLoop(Config config, std::unique_ptr<ClusterSource> source, ViewBuilder build, Publish publish,
              std::shared_ptr<const HostnameResolver> resolver);
    ~ModelLoop();
    ModelLoop(const ModelLoop&) = delete;
    ModelLoop& operator=(const ModelLoop&) = delete;

    // Starts the source, waits up to `first_state` for its first snapshot (so a restarted daemon
    // does not publish an empty cluster over the maps it adopted... unless the source is slow),
    // publishes on the caller's thread (throws xgslb::Error if that fails), then runs the loop.
    void start(std::chrono::milliseconds first_state);
    void stop();  // stops the source, then the loop; idempotent

    // SIGHUP: publishes with `next` at once; on an error throws and keeps the current config.
    void reload(const Config& next);
    // From the peers: their targets per host; republishes.
    void set_peer_targets(std::vector<PeerTargets> peers);
    // Called with the sorted host names after every publish that changed them (and at once).
    void on_hosts_changed(HostsChanged callback);

    std::vector<std::string> host_names() const;
    // Whether this daemon is its cluster's one writer (status, edge updates): no source, or the
    // source says so (a Lease with the API source).
    bool is_leader() const { return !source_ || source_->is_leader(); }
    Counters counters() const;
    // For the metrics scrape (userspace/daemon_metrics.h): the Gslb statuses of the last
    // reconcile, healthyRecords filled from the view served now, and the source's health
    // (nullopt without a source).
    std::vector<GslbStatusUpdate> gslb_statuses() const;
    std::optional<SourceHealth> source_health() const;

private:
    void run();
    // One pass; throws on failure. `reconcile_again`: re-run the controller on the last state.
    void step(bool reconcile_again);
    void write_back();
    void check_source_health();

    std::unique_ptr<ClusterSource> source_;
    ViewBuilder build_;
    Publish publish_;
    std::shared_ptr<const HostnameResolver> resolver_;

    // Inputs, handed over by other threads; guarded by inbox_mutex_.
    mutable std::mutex inbox_mutex_;
    std::condition_variable wake_;
    std::shared_ptr<const ClusterState> pending_state_;
    bool peers_dirty_ = false;
    bool stopping_ = false;
    std::vector<PeerTargets> peers_;
    std::atomic<uint32_t> resync_seconds_{300};

    // The model; guarded by work_mutex_ (the loop thread, start() and reload()).
    mutable std::mutex work_mutex_;
    Config config_;
    std::shared_ptr<const ClusterState> state_;
    ControllerResult result_;
    std::vector<GslbHost> hosts_;  // result_.hosts inside the served zones, when some are not
    std::vector<std::string> host_names_;
    std::shared_ptr<const ZoneView> view_;
    std::map<std::string, nlohmann::json> written_status_;  // "ns/name" -> what we last wrote
    std::set<std::string> created_;                         // Gslbs asked for already
    std::map<std::string, std::string> ingress_sent_;       // "ns/name" -> the write last sent, as JSON
    HostsChanged hosts_changed_;
    Counters counters_;
    bool source_unhealthy_logged_ = false;

    std::thread thread_;
};

}  // namespace xgslb
