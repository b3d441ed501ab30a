#include "userspace/daemon_metrics.h"

#include <bpf/bpf.h>

#include <nlohmann/json.hpp>

#include "maps/pinned_maps.h"
#include "userspace/k8gb_metrics.h"

namespace xgslb {
namespace {

// Publish durations: a one-name change takes tens of microseconds, a full first publish of
// 64k names seconds.
const std::vector<double> kPublishBounds = {0.0001, 0.001, 0.01, 0.1, 1, 10};

uint32_t max_entries(int map_fd) {
    bpf_map_info info{};
    uint32_t len = sizeof info;
    return map_fd >= 0 && bpf_obj_get_info_by_fd(map_fd, &info, &len) == 0 ? info.max_entries : 0;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
    const std::time_t s = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void collect_xdp(MetricsSnapshot& s, const XdpProgram& program) {
    const xgslb_stats stats = read_stats(program.maps().stats);
    const auto* values = reinterpret_cast<const uint64_t*>(&stats);
    const auto& names = counter_names();
    for (size_t i = 0; i < names.size(); ++i) {
        const std::string& n = names[i];
        const auto v = static_cast<double>(values[i]);
        if (n == "packets_seen") s.counter("xgslb_xdp_packets_total", "Packets the XDP program looked at", {}, v);
        else if (n == "dropped") s.counter("xgslb_xdp_dropped_total", "Packets dropped after a failed rewrite", {}, v);
        else if (n == "dropped_rrl" || n == "answered_rrl_slip")
            s.counter("xgslb_xdp_rate_limited_total",
                      "Queries over the response rate limit: dropped, or slipped (TC=1, also in answered_total)",
                      {{"action", n == "dropped_rrl" ? "dropped" : "slipped"}}, v);
        else if (n == "dropped_reflection")
            s.counter("xgslb_xdp_reflection_dropped_total",
                      "Queries dropped for a reflection source port or one of our own addresses", {}, v);
        if (n.rfind("answered_", 0) == 0)
            s.counter("xgslb_xdp_answered_total", "Queries answered by XDP, by kind of answer",
                      {{"kind", n.substr(9)}}, v);
        else if (n.rfind("strategy_", 0) == 0)
            s.counter("xgslb_xdp_strategy_answers_total",
                      "A/AAAA answers sent by XDP, by how the records were chosen: rotate (roundRobin, failover), "
                      "weighted (roundRobin with weights), geo (geoip), fixed (no strategy)",
                      {{"selection", n.substr(9)}}, v);
        else if (n.rfind("pass_", 0) == 0)
            s.counter("xgslb_xdp_passed_total", "Packets passed to the kernel stack, by reason",
                      {{"reason", n.substr(5)}}, v);
    }
}

void collect_server(MetricsSnapshot& s, const DnsServer& server) {
    const ServerCounters c = server.total();
    s.counter("xgslb_dns_queries_total", "Queries the slow path received", {{"transport", "udp"}},
              static_cast<double>(c.udp_queries));
    s.counter("xgslb_dns_queries_total", "Queries the slow path received", {{"transport", "tcp"}},
              static_cast<double>(c.tcp_queries));
    s.counter("xgslb_dns_dropped_total", "Slow-path queries that got no response", {}, static_cast<double>(c.dropped));
    s.gauge("xgslb_dns_tcp_connections", "TCP connections open now", {}, static_cast<double>(c.tcp_open));
    s.counter("xgslb_dns_tcp_refused_total", "TCP connections closed at once over the limit", {},
              static_cast<double>(c.tcp_refused));
    const QueryStats::Snapshot q = server.query_stats();
    for (size_t t = 0; t < QueryStats::kTransports; ++t)
        for (unsigned r = 0; r < QueryStats::kRcodes; ++r)
            if (q.responses[t][r] || r == 0 || r == 3)  // NOERROR and NXDOMAIN always, for dashboards
                s.counter("xgslb_dns_responses_total", "Slow-path responses by transport and rcode",
                          {{"transport", t == 0 ? "udp" : "tcp"}, {"rcode", rcode_name(r)}},
                          static_cast<double>(q.responses[t][r]));
    HistogramValue h;
    for (uint64_t b : QueryStats::kBoundsNs) h.bounds.push_back(static_cast<double>(b) / 1e9);
    h.counts.assign(q.latency_buckets.begin(), q.latency_buckets.end());
    h.sum = static_cast<double>(q.latency_sum_ns) / 1e9;
    s.histogram("xgslb_dns_answer_duration_seconds", "Time the slow path took to build a response", {}, h);
}

}  // namespace

DaemonMetrics::DaemonMetrics() {
    registry_.define("xgslb_publishes_total", MetricType::counter, "Views published to the maps");
    registry_.define("xgslb_publish_entries_written_total", MetricType::counter,
                     "Map entries written or erased by publishes");
    registry_.define("xgslb_publish_duration_seconds", MetricType::histogram,
                     "Time from config to maps written, per publish", kPublishBounds);
    registry_.define("xgslb_last_publish_timestamp_seconds", MetricType::gauge, "Unix time of the last publish");
    registry_.define("xgslb_map_entries", MetricType::gauge, "Entries in each BPF map after the last publish");
    registry_.define("xgslb_map_max_entries", MetricType::gauge, "Capacity of each BPF map");
    registry_.counter_add("xgslb_publishes_total", {}, 0);
    registry_.counter_add("xgslb_publish_entries_written_total", {}, 0);
    registry_.add_collector([this](MetricsSnapshot& s) { collect_model(s); });
}

void DaemonMetrics::watch_model(const ModelLoop* model) {
    std::lock_guard lock(model_mutex_);
    model_ = model;
}

void DaemonMetrics::collect_model(MetricsSnapshot& s) {
    std::lock_guard lock(model_mutex_);
    if (!model_) return;
    const ModelLoop::Counters c = model_->counters();
    s.counter("xgslb_controller_reconciles_total", "Controller runs over the cluster state", {},
              static_cast<double>(c.controller_runs));
    s.counter("xgslb_controller_failures_total", "Model steps that failed (the last view stayed published)", {},
              static_cast<double>(c.failures));
    s.counter("xgslb_controller_status_writes_total", "Gslb statuses written", {}, static_cast<double>(c.status_writes));
    s.counter("xgslb_controller_gslbs_created_total", "Gslbs created for annotated Ingresses", {},
              static_cast<double>(c.gslbs_created));
    if (const auto h = model_->source_health()) {
        s.gauge("xgslb_source_synced", "1 when the cluster source has delivered a full, current state", {},
                h->synced ? 1 : 0);
        s.gauge("xgslb_source_healthy", "1 when the cluster source is synced and its last request succeeded "
                "(0: API errors, the last state is served)", {}, h->synced && h->last_error.empty() ? 1 : 0);
        s.counter("xgslb_source_watch_restarts_total", "Watch streams restarted (manifests: directory rescans)", {},
                  static_cast<double>(h->restarts));
    }
    std::vector<GslbHealth> gslbs;
    for (const auto& update : model_->gslb_statuses()) {
        GslbHealth g{update.ns, update.name, {}, 0, 0};
        const auto health = update.status.find("serviceHealth");
        if (health != update.status.end() && health->is_object())
            for (auto it = health->begin(); it != health->end(); ++it)
                if (it->is_string()) g.service_health[it.key()] = it->get<std::string>();
        const auto records = update.status.find("healthyRecords");
        if (records != update.status.end() && records->is_object())
            for (const auto& addresses : *records) g.healthy_records += addresses.is_array() ? addresses.size() : 0;
        // Runs since this daemon first saw the Gslb: every controller run reconciles every Gslb.
        const auto first = reconciles_at_first_sight_.emplace(update.ns + "/" + update.name, c.controller_runs).first;
        g.reconciliation_loops = c.controller_runs - first->second + 1;
        gslbs.push_back(std::move(g));
    }
    collect_k8gb_metrics(s, gslbs);
}

void DaemonMetrics::record_publish(const PublishStats& stats, const MapContents& contents,
                                   std::chrono::microseconds took) {
    const auto now = std::chrono::system_clock::now();
    registry_.counter_add("xgslb_publishes_total", {});
    registry_.counter_add("xgslb_publish_entries_written_total", {}, static_cast<double>(stats.writes()));
    registry_.observe("xgslb_publish_duration_seconds", {}, static_cast<double>(took.count()) / 1e6);
    registry_.gauge_set("xgslb_last_publish_timestamp_seconds", {},
                        std::chrono::duration<double>(now.time_since_epoch()).count());
    registry_.gauge_set("xgslb_map_entries", {{"map", XGSLB_MAP_NAMES}}, static_cast<double>(contents.names.size()));
    registry_.gauge_set("xgslb_map_entries", {{"map", XGSLB_MAP_RRSETS}}, static_cast<double>(contents.rrsets.size()));
    registry_.gauge_set("xgslb_map_entries", {{"map", XGSLB_MAP_ZONES}}, static_cast<double>(contents.zones.size()));
    registry_.gauge_set("xgslb_map_entries", {{"map", XGSLB_MAP_LISTEN}}, static_cast<double>(contents.listen.size()));
    std::lock_guard lock(publish_mutex_);
    fill_ = {contents.names.size(), contents.rrsets.size(), contents.zones.size(), contents.listen.size()};
    last_publish_ = now;
    published_ = true;
}

void DaemonMetrics::serve(const XdpProgram& program, const DnsServer& server, const MetricsConfig& config) {
    const MapFds& fds = program.maps();
    registry_.gauge_set("xgslb_map_max_entries", {{"map", XGSLB_MAP_NAMES}}, max_entries(fds.names));
    registry_.gauge_set("xgslb_map_max_entries", {{"map", XGSLB_MAP_RRSETS}}, max_entries(fds.rrsets));
    registry_.gauge_set("xgslb_map_max_entries", {{"map", XGSLB_MAP_ZONES}}, max_entries(fds.zones));
    registry_.gauge_set("xgslb_map_max_entries", {{"map", XGSLB_MAP_LISTEN}}, XGSLB_MAX_LISTEN);
    server_ = &server;
    registry_.add_collector([this, &program](MetricsSnapshot& s) {
        if (server_.load()) collect_xdp(s, program);  // both go together: stop_serving() clears server_
    });
    registry_.add_collector([this](MetricsSnapshot& s) {
        if (const DnsServer* server = server_.load()) collect_server(s, *server);
    });
    if (!config.listen) return;
    endpoint_ = std::make_unique<HttpEndpoint>(*config.listen, [this](std::string_view path) -> HttpResponse {
        if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", registry_.render()};
        if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
        if (path == "/readyz")
            return ready() ? HttpResponse{200, "text/plain; charset=utf-8", "ready\n"}
                           : HttpResponse{503, "text/plain; charset=utf-8", "not ready: nothing published or the slow path is not running\n"};
        return {404, "text/plain; charset=utf-8", "not found (try /metrics, /healthz, /readyz)\n"};
    });
}

void DaemonMetrics::stop_serving() {
    endpoint_.reset();  // joins its thread: no scrape runs after this
    server_ = nullptr;
}

bool DaemonMetrics::ready() const { return published_ && server_.load() != nullptr; }

void DaemonMetrics::record_attachments(std::vector<std::pair<std::string, AttachMode>> attachments) {
    std::lock_guard lock(publish_mutex_);
    attachments_ = std::move(attachments);
}

std::string DaemonMetrics::status_json(const std::string& instance, const XdpProgram& program) const {
    using nlohmann::json;
    std::lock_guard lock(publish_mutex_);
    json out = {{"instance", instance}, {"pin_dir", program.pin_dir()}, {"ready", ready()}};
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(program.prog_fd(), &info, &len) == 0)
        out["program"] = {{"id", info.id}, {"name", info.name}, {"tag", [&] {
                               char tag[2 * BPF_TAG_SIZE + 1];
                               for (int i = 0; i < BPF_TAG_SIZE; ++i) std::snprintf(tag + 2 * i, 3, "%02x", info.tag[i]);
                               return std::string(tag);
                           }()}};
    out["interfaces"] = json::array();
    for (const auto& [ifname, mode] : attachments_)
        out["interfaces"].push_back({{"name", ifname}, {"mode", to_string(mode)}});
    const MapFds& fds = program.maps();
    out["maps"] = json::array({
        {{"name", XGSLB_MAP_NAMES}, {"entries", fill_.names}, {"max", max_entries(fds.names)}},
        {{"name", XGSLB_MAP_RRSETS}, {"entries", fill_.rrsets}, {"max", max_entries(fds.rrsets)}},
        {{"name", XGSLB_MAP_ZONES}, {"entries", fill_.zones}, {"max", max_entries(fds.zones)}},
        {{"name", XGSLB_MAP_LISTEN}, {"entries", fill_.listen}, {"max", XGSLB_MAX_LISTEN}},
    });
    if (published_) {
        out["last_publish"] = rfc3339(last_publish_);
        out["last_publish_unix"] = std::chrono::duration_cast<std::chrono::seconds>(last_publish_.time_since_epoch()).count();
    }
    if (const DnsServer* server = server_.load()) {
        out["slow_path"] = {{"workers", server->workers()}, {"listen", json::array()}};
        for (const auto& a : server->bound()) out["slow_path"]["listen"].push_back(a.to_string());
    }
    return out.dump() + "\n";
}

}  // namespace xgslb
