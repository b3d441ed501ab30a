#include "userspace/cluster/make_source.h"

#include "userspace/cluster/kubernetes_source.h"
#include "userspace/cluster/manifests_source.h"
#include "userspace/error.h"

namespace xgslb {

std::unique_ptr<ClusterSource> make_cluster_source(const SourceConfig& source) {
    switch (source.kind) {
    case SourceKind::None: return nullptr;
    case SourceKind::Manifests: return std::make_unique<ManifestsSource>(ManifestsSource::Options{source.manifests});
    case SourceKind::Kubernetes:
        return make_kubernetes_source(source.kubernetes);
    }
    return nullptr;
}

}  // namespace xgslb
