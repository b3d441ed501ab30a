// k8gb's own metric names (k8gb-io/k8gb controllers/providers/metrics), defined in the registry
// with the same types and label names, so dashboards and alerts written for k8gb work on xgslb.
// The controller's model loop sets them per Gslb; a Gslb that goes away is removed with
// MetricsRegistry::remove(name, labels) for each label set it had.
//
//   gauges, labels {namespace, name}:          k8gb_gslb_healthy_records (healthy target addresses)
//   gauges, labels {namespace, name, status}:  k8gb_gslb_service_status_num (hosts per Healthy /
//       Unhealthy / NotFound), k8gb_gslb_status_count_for_roundrobin, ..._for_geoip (status as
//       above), ..._for_failover (status Healthy_primary, Unhealthy_secondary, ...)
//   gauge, labels {namespace, name, dns_name}: k8gb_endpoint_status_num (targets per DNS name)
//   counters: k8gb_gslb_errors_total {namespace, name}, k8gb_gslb_reconciliation_loops_total {}
#pragma once

#include "userspace/metrics_registry.h"

namespace xgslb {

inline constexpr const char* kK8gbHealthyRecords = "k8gb_gslb_healthy_records";
inline constexpr const char* kK8gbServiceStatusNum = "k8gb_gslb_service_status_num";
inline constexpr const char* kK8gbStatusCountForFailover = "k8gb_gslb_status_count_for_failover";
inline constexpr const char* kK8gbStatusCountForRoundrobin = "k8gb_gslb_status_count_for_roundrobin";
inline constexpr const char* kK8gbStatusCountForGeoip = "k8gb_gslb_status_count_for_geoip";
inline constexpr const char* kK8gbEndpointStatusNum = "k8gb_endpoint_status_num";
inline constexpr const char* kK8gbErrorsTotal = "k8gb_gslb_errors_total";
inline constexpr const char* kK8gbReconciliationLoopsTotal = "k8gb_gslb_reconciliation_loops_total";

void define_k8gb_metrics(MetricsRegistry& registry);

}  // namespace xgslb
