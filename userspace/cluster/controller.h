// The controller: a pure function from one snapshot of the cluster (Gslbs, Ingresses, Services,
// EndpointSlices) to what xgslb serves and writes back, with k8gb's semantics:
//   * a Gslb's hosts are the rules of its embedded spec.ingress (targets from the Ingress k8gb
//     creates for it: same namespace and name) or of the Ingresses its spec.resourceRef names
//     (by name, or by matchLabels / matchExpressions in the Gslb's namespace);
//   * a host's services are its rules' backends; a service is NotFound without a Service object,
//     Healthy when one of its EndpointSlices (label kubernetes.io/service-name) has a ready
//     endpoint (conditions.ready true or unset), Unhealthy otherwise; the host combines them by
//     the health policy;
//   * a Healthy host's local targets are its Ingress' status.loadBalancer.ingress addresses,
//     IPv4 and IPv6 (k8gb drops IPv6; we serve AAAA), hostnames resolved.
// Nothing here does I/O except through the HostnameResolver, so tests inject one.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "userspace/cluster/cluster_source.h"
#include "userspace/cluster/gslb_ingress.h"
#include "userspace/cluster/ingress_targets.h"
#include "userspace/cluster/service_health.h"
#include "userspace/gslb_model.h"

namespace xgslb {

struct ControllerSettings {
    std::string geo_tag;                        // status.geoTag (the config's geoTag)
    HealthPolicy policy = HealthPolicy::Any;
    bool write_gslb_ingresses = false;          // the source keeps embedded-ingress Ingresses
};

// One Gslb's status as k8gb writes it, except healthyRecords, which are the records served
// after the strategies ran (gslb_status.h fills them in from the view).
struct GslbStatusUpdate {
    std::string ns, name;
    std::vector<std::string> hosts;  // the hosts this Gslb owns, in rule order
    nlohmann::json status;
};

struct ControllerResult {
    std::vector<GslbHost> hosts;               // sorted by name; a name appears once
    std::vector<GslbStatusUpdate> statuses;    // one per Gslb, sorted by namespace/name
    std::vector<nlohmann::json> gslbs_to_create;  // for annotated Ingresses without a Gslb yet
    std::vector<GslbIngressWrite> ingress_writes; // embedded spec.ingress -> its Ingress, when it differs
    std::vector<std::string> problems;         // objects skipped or in conflict, for the log
};

ControllerResult reconcile(const ClusterState& state, const ControllerSettings& settings,
                           const HostnameResolver& resolver);

}  // namespace xgslb
