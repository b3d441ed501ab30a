#include "userspace/cluster/service_health.h"

#include "userspace/cluster/k8s_object.h"

namespace xgslb {

const char* to_string(HealthPolicy policy) { return policy == HealthPolicy::All ? "All" : "Any"; }

namespace {

// discovery.k8s.io/v1: "ready ... nil should be interpreted as true".
bool has_ready_endpoint(const nlohmann::json& slice) {
    const auto endpoints = slice.find("endpoints");
    if (endpoints == slice.end() || !endpoints->is_array()) return false;
    for (const auto& e : *endpoints) {
        const nlohmann::json* ready = json_at(e, {"conditions", "ready"});
        if (!ready || ready->is_null() || (ready->is_boolean() && ready->get<bool>())) return true;
    }
    return false;
}

}  // namespace

ServiceHealthIndex::ServiceHealthIndex(const ClusterState& state) : state_(state) {
    const auto slices = state.objects.find(kKindEndpointSlice);
    if (slices == state.objects.end()) return;
    for (const auto& [key, object] : slices->second) {
        const nlohmann::json& slice = *object;
        const std::string service = json_string(slice, {"metadata", "labels", "kubernetes.io/service-name"});
        if (service.empty()) continue;  // not managed for a Service
        bool& ready = ready_[object_namespace(slice) + "/" + service];
        ready = ready || has_ready_endpoint(slice);
    }
}

HostHealth ServiceHealthIndex::service(const std::string& ns, const std::string& name) const {
    if (!state_.find(kKindService, ns, name)) return HostHealth::NotFound;
    const auto it = ready_.find(ns + "/" + name);
    return it != ready_.end() && it->second ? HostHealth::Healthy : HostHealth::Unhealthy;
}

HostHealth combine(const std::vector<HostHealth>& services, HealthPolicy policy) {
    if (services.empty()) return HostHealth::NotFound;
    size_t healthy = 0, not_found = 0;
    for (HostHealth h : services) {
        healthy += h == HostHealth::Healthy;
        not_found += h == HostHealth::NotFound;
    }
    if (policy == HealthPolicy::Any) {
        if (healthy > 0) return HostHealth::Healthy;
        // Only when nothing exists at all is the host NotFound; an existing service without
        // ready endpoints makes it Unhealthy.
        return not_found == services.size() ? HostHealth::NotFound : HostHealth::Unhealthy;
    }
    if (healthy == services.size()) return HostHealth::Healthy;
    return not_found > 0 ? HostHealth::NotFound : HostHealth::Unhealthy;
}

}  // namespace xgslb
