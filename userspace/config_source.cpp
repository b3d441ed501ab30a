// `source:` — where GSLB hosts come from besides static records:
//   source:
//     manifests: manifests/        # a directory of Kubernetes YAML, relative to this file
//     # or kubernetes: {kubeconfig: /root/.kube/config}   (in-cluster when kubeconfig is omitted;
//     #    leaseNamespace: xgslb, where the leader-election Lease lives)
//     healthPolicy: Any            # Any (k8gb's) | All: how a host's backend services combine
//     resyncSeconds: 300           # the controller re-runs at least this often (safety net)
#include "userspace/config_fields.h"

namespace xgslb::config_detail {

namespace {

std::string relative_to_config(const Field& f, std::string path) {
    if (path.empty()) f.fail("expected a path");
    if (path.front() != '/' && f.source.find('/') != std::string::npos)
        path = f.source.substr(0, f.source.rfind('/') + 1) + path;
    return path;
}

}  // namespace

void parse_source(const Field& source, Config& c) {
    if (!source.node.IsMap()) source.fail("expected a mapping (manifests: DIR or kubernetes: {...})");
    check_keys(source, {"manifests", "kubernetes", "healthPolicy", "resyncSeconds"});
    const Field manifests = source.child("manifests"), kubernetes = source.child("kubernetes");
    if (manifests.present() == kubernetes.present()) source.fail("exactly one of 'manifests' and 'kubernetes' is needed");
    if (manifests.present()) {
        c.cluster_source.kind = SourceKind::Manifests;
        c.cluster_source.manifests = relative_to_config(manifests, get_string(manifests));
    } else {
        c.cluster_source.kind = SourceKind::Kubernetes;
        // An empty mapping (`kubernetes: {}`) means in-cluster; YAML's `kubernetes:` alone is null.
        if (!kubernetes.node.IsNull()) {
            if (!kubernetes.node.IsMap()) kubernetes.fail("expected a mapping");
            check_keys(kubernetes, {"kubeconfig", "leaseNamespace"});
            if (auto n = kubernetes.child("kubeconfig"); n.present())
                c.cluster_source.kubernetes.kubeconfig = relative_to_config(n, get_string(n));
            // The Helm chart puts the Lease in the release's namespace.
            if (auto n = kubernetes.child("leaseNamespace"); n.present())
                c.cluster_source.kubernetes.lease_namespace = get_string(n);
        }
    }
    if (auto n = source.child("healthPolicy"); n.present()) c.cluster_source.health_all = get_choice(n, {"Any", "All"}) == "All";
    if (auto n = source.child("resyncSeconds"); n.present()) c.cluster_source.resync_seconds = get_uint(n, 1, 86400);
}

}  // namespace xgslb::config_detail
