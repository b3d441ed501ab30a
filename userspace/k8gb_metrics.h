// k8gb's own metric names (k8gb-io/k8gb controllers/providers/metrics), with the same types and
// label names, so dashboards and alerts written for k8gb work on xgslb. Computed at scrape time
// from the controller's latest Gslb statuses (what it writes to each Gslb's status), so a Gslb
// that goes away leaves no stale series behind.
//
//   k8gb_gslb_healthy_records{namespace, name}            gauge: healthy target addresses
//   k8gb_gslb_service_status_num{namespace, name, status} gauge: hosts per Healthy / Unhealthy /
//                                                          NotFound (each status always present)
//   k8gb_gslb_reconciliation_loops_total{namespace, name} counter: controller runs that
//                                                          reconciled this Gslb (since this daemon
//                                                          first saw it)
// Not exported: k8gb_gslb_errors_total (our controller's failures are not per Gslb:
// xgslb_controller_failures_total) and the per-strategy status counts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "userspace/metrics_registry.h"

namespace xgslb {

struct GslbHealth {
    std::string ns, name;
    std::map<std::string, std::string> service_health;  // host -> Healthy | Unhealthy | NotFound
    size_t healthy_records = 0;                         // addresses in status.healthyRecords
    uint64_t reconciliation_loops = 0;
};

void collect_k8gb_metrics(MetricsSnapshot& snapshot, const std::vector<GslbHealth>& gslbs);

}  // namespace xgslb
