#include "userspace/k8gb_metrics.h"

namespace xgslb {

void define_k8gb_metrics(MetricsRegistry& r) {
    r.define(kK8gbHealthyRecords, MetricType::gauge, "Healthy target addresses of a Gslb");
    r.define(kK8gbServiceStatusNum, MetricType::gauge, "Hosts of a Gslb by health status");
    r.define(kK8gbStatusCountForFailover, MetricType::gauge, "Targets of a failover Gslb by status and role");
    r.define(kK8gbStatusCountForRoundrobin, MetricType::gauge, "Targets of a roundRobin Gslb by status");
    r.define(kK8gbStatusCountForGeoip, MetricType::gauge, "Targets of a geoip Gslb by status");
    r.define(kK8gbEndpointStatusNum, MetricType::gauge, "Targets per DNS name of a Gslb");
    r.define(kK8gbErrorsTotal, MetricType::counter, "Reconcile errors per Gslb");
    r.define(kK8gbReconciliationLoopsTotal, MetricType::counter, "Successful reconcile loops");
    r.counter_add(kK8gbReconciliationLoopsTotal, {}, 0);
}

}  // namespace xgslb
