// From the model to the ZoneView both paths serve: the config's zones and static records, every
// GSLB host as its strategy decides from all clusters' healthy targets (ours and the peers'),
// and, per host, localtargets-<host> with this cluster's own healthy targets — what the peers
// (and k8gb clusters) query us for.
#pragma once

#include <memory>
#include <vector>

#include "userspace/config.h"
#include "userspace/gslb_model.h"
#include "userspace/zone_view.h"

namespace xgslb {

class GeoRegions;

// Throws xgslb::Error when a host is in no served zone. `geo` may be null when no host uses geoip.
std::shared_ptr<const ZoneView> build_view(const Config& config, const std::vector<GslbHost>& hosts,
                                           const std::vector<PeerTargets>& peers, const GeoRegions* geo);

}  // namespace xgslb
