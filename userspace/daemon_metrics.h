// The daemon's operations face: the MetricsRegistry every part of the daemon reports into, the
// collectors that read the XDP counters and the slow-path workers at scrape time, the HTTP
// endpoint (/metrics, /healthz, /readyz; config `metrics.listen`), and the status xgslbctl
// asks the control socket for. Kept out of daemon.cpp so the life cycle stays readable.
//
// Metric names (Prometheus text format 0.0.4):
//   xgslb_xdp_packets_total, xgslb_xdp_answered_total{kind}, xgslb_xdp_dropped_total,
//   xgslb_xdp_passed_total{reason}                 the per-CPU xgslb_stats map, summed
//   xgslb_dns_queries_total{transport}, xgslb_dns_responses_total{transport,rcode},
//   xgslb_dns_dropped_total, xgslb_dns_tcp_connections{state}, xgslb_dns_answer_duration_seconds
//                                                  the slow-path workers, merged
//   xgslb_xdp_strategy_answers_total{selection}, xgslb_xdp_rate_limited_total{action},
//   xgslb_xdp_reflection_dropped_total            also from xgslb_stats
//   xgslb_publishes_total, xgslb_publish_entries_written_total, xgslb_publish_duration_seconds,
//   xgslb_last_publish_timestamp_seconds, xgslb_map_entries{map}, xgslb_map_max_entries{map}
//   xgslb_controller_reconciles_total, xgslb_controller_failures_total,
//   xgslb_controller_status_writes_total, xgslb_controller_gslbs_created_total,
//   xgslb_source_synced, xgslb_source_healthy, xgslb_source_watch_restarts_total
//                                                  the model loop and its source, at scrape time
//   k8gb_gslb_healthy_records, k8gb_gslb_service_status_num, k8gb_gslb_reconciliation_loops_total
//                                                  per Gslb, k8gb's names (userspace/k8gb_metrics.h)
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "userspace/cluster/model_loop.h"
#include "userspace/config.h"
#include "userspace/dns_server.h"
#include "userspace/http_endpoint.h"
#include "userspace/metrics_registry.h"
#include "userspace/publisher.h"
#include "userspace/xdp_program.h"

namespace xgslb {

class DaemonMetrics {
public:
    DaemonMetrics();
    MetricsRegistry& registry() { return registry_; }

    // After every successful publish: counters, duration, map fill levels.
    void record_publish(const PublishStats& stats, const MapContents& contents, std::chrono::microseconds took);

    // Once the program is loaded and the server runs: the scrape-time collectors, and the
    // endpoint when `listen` is set. The program and the server must outlive this object's
    // endpoint (stop_serving() first).
    void serve(const XdpProgram& program, const DnsServer& server, const MetricsConfig& config);
    void stop_serving();  // the endpoint and the collectors' references go

    bool ready() const;  // something is published and the slow path runs
    // The JSON xgslbctl status shows: program, interfaces, maps (entries/max), last publish.
    std::string status_json(const std::string& instance, const XdpProgram& program) const;
    // The model loop whose counters, source health and Gslb statuses a scrape reports; null
    // before it is destroyed (a scrape running meanwhile finishes first).
    void watch_model(const ModelLoop* model);
    // The daemon's thread attaches and detaches; the control thread reads this copy.
    void record_attachments(std::vector<std::pair<std::string, AttachMode>> attachments);

private:
    void collect_model(MetricsSnapshot& s);

    MetricsRegistry registry_;
    std::atomic<const DnsServer*> server_{nullptr};
    std::atomic<bool> published_{false};
    mutable std::mutex publish_mutex_;
    struct Fill { size_t names = 0, rrsets = 0, zones = 0, listen = 0; } fill_;
    std::chrono::system_clock::time_point last_publish_{};
    std::vector<std::pair<std::string, AttachMode>> attachments_;
    std::mutex model_mutex_;
    const ModelLoop* model_ = nullptr;
    std::map<std::string, uint64_t> reconciles_at_first_sight_;  // "ns/name" -> controller runs then
    std::unique_ptr<HttpEndpoint> endpoint_;
};

}  // namespace xgslb
