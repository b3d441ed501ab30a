#include "userspace/k8gb_metrics.h"

namespace xgslb {

void collect_k8gb_metrics(MetricsSnapshot& s, const std::vector<GslbHealth>& gslbs) {
    for (const auto& g : gslbs) {
        const MetricLabels id = {{"name", g.name}, {"namespace", g.ns}};
        s.gauge("k8gb_gslb_healthy_records", "Number of healthy records observed by k8gb.", id,
                static_cast<double>(g.healthy_records));
        std::map<std::string, double> by_status = {{"Healthy", 0}, {"NotFound", 0}, {"Unhealthy", 0}};
        for (const auto& [host, status] : g.service_health) by_status[status] += 1;
        for (const auto& [status, count] : by_status) {
            MetricLabels labels = id;
            labels.emplace_back("status", status);
            s.gauge("k8gb_gslb_service_status_num", "Number of managed hosts observed by k8gb.", labels, count);
        }
        s.counter("k8gb_gslb_reconciliation_loops_total", "Number of successful reconciliation loops.", id,
                  static_cast<double>(g.reconciliation_loops));
    }
}

}  // namespace xgslb
