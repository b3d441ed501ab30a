// The API resources xgslb touches and, in one place, every verb it uses on them. KubeApi refuses
// a request this table does not list, and deploy/kubernetes/rbac.yaml's ClusterRole is checked
// against it (tests/kube/deploy_manifests_test.py), so the RBAC grants exactly what the code does.
#pragma once

#include <array>
#include <string_view>

namespace xgslb {

struct KubeResource {
    const char* kind;     // as ClusterState::objects keys it
    const char* group;    // "" for the core group
    const char* version;
    const char* plural;
};

inline constexpr KubeResource kGslbResource{"Gslb", "k8gb.absa.oss", "v1beta1", "gslbs"};
inline constexpr KubeResource kIngressResource{"Ingress", "networking.k8s.io", "v1", "ingresses"};
inline constexpr KubeResource kServiceResource{"Service", "", "v1", "services"};
inline constexpr KubeResource kEndpointSliceResource{"EndpointSlice", "discovery.k8s.io", "v1", "endpointslices"};
inline constexpr KubeResource kLeaseResource{"Lease", "coordination.k8s.io", "v1", "leases"};

// The kinds the source reflects into ClusterState.
inline constexpr std::array<KubeResource, 4> kWatchedResources{
    kGslbResource, kIngressResource, kServiceResource, kEndpointSliceResource};

// An RBAC rule's unit: verb on group/resource (resource may name a subresource, "gslbs/status").
struct KubePermission {
    std::string_view verb;
    std::string_view group;
    std::string_view resource;
};

// Keep one entry per line: the manifest test reads this table from this file.
inline constexpr std::array<KubePermission, 16> kKubePermissions{{
    {"list", "k8gb.absa.oss", "gslbs"},
    {"watch", "k8gb.absa.oss", "gslbs"},
    {"get", "k8gb.absa.oss", "gslbs"},  // the fresh copy a status write starts from
    {"create", "k8gb.absa.oss", "gslbs"},
    {"update", "k8gb.absa.oss", "gslbs/status"},
    {"list", "networking.k8s.io", "ingresses"},
    {"watch", "networking.k8s.io", "ingresses"},
    {"create", "networking.k8s.io", "ingresses"},  // the Ingress of an embedded spec.ingress
    {"update", "networking.k8s.io", "ingresses"},
    {"list", "", "services"},
    {"watch", "", "services"},
    {"list", "discovery.k8s.io", "endpointslices"},
    {"watch", "discovery.k8s.io", "endpointslices"},
    {"get", "coordination.k8s.io", "leases"},
    {"create", "coordination.k8s.io", "leases"},
    {"update", "coordination.k8s.io", "leases"},
}};

}  // namespace xgslb
