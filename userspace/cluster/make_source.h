// The one place a config's `source:` becomes a ClusterSource.
#pragma once

#include <memory>

#include "userspace/cluster/cluster_source.h"
#include "userspace/config.h"

namespace xgslb {

// nullptr for SourceKind::None. Throws xgslb::Error when the source cannot be made (a missing
// directory; the Kubernetes API source while this build has none).
std::unique_ptr<ClusterSource> make_cluster_source(const SourceConfig& source);

}  // namespace xgslb
