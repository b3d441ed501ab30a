// Health of Kubernetes Services from their EndpointSlices, and of a GSLB host from its
// services, as k8gb decides it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "userspace/cluster/cluster_source.h"
#include "userspace/gslb_model.h"

namespace xgslb {

// How a host with several backend services is judged. Any (k8gb's behaviour): Healthy when any
// service is; All: Healthy only when every service is.
enum class HealthPolicy { Any, All };

const char* to_string(HealthPolicy policy);  // "Any" | "All"

// Indexes the EndpointSlices of a state by namespace and kubernetes.io/service-name once, so a
// snapshot of many hosts is judged in one pass over the slices.
class ServiceHealthIndex {
public:
    explicit ServiceHealthIndex(const ClusterState& state);

    // NotFound: no Service ns/name. Healthy: an endpoint of one of its slices is ready
    // (conditions.ready true or absent). Unhealthy: otherwise, no slices included.
    HostHealth service(const std::string& ns, const std::string& name) const;

private:
    const ClusterState& state_;
    std::map<std::string, bool> ready_;  // "ns/service" -> has a ready endpoint
};

// A host with no services at all is NotFound (nothing to serve).
HostHealth combine(const std::vector<HostHealth>& services, HealthPolicy policy);

}  // namespace xgslb
