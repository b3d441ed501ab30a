#include "userspace/cluster/make_source.h"

#include "userspace/cluster/manifests_source.h"
#include "userspace/error.h"

namespace xgslb {

std::unique_ptr<ClusterSource> make_cluster_source(const SourceConfig& source) {
    switch (source.kind) {
    case SourceKind::None: return nullptr;
    case SourceKind::Manifests: return std::make_unique<ManifestsSource>(ManifestsSource::Options{source.manifests});
    case SourceKind::Kubernetes:
        // Connect the API client here: return make_kubernetes_source(source.kubernetes) from
        // userspace/cluster/kubernetes_source.h once it is on main.
        throw Error("source.kubernetes: xgslbd was built without the Kubernetes API source; use source.manifests");
    }
    return nullptr;
}

}  // namespace xgslb
