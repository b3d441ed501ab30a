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

// Throws xgslb::Error when a host is in no served zone. `geo` may be null when no host uses
// geoip; the view keeps it (the slow path and the publisher's trie come from it).
std::shared_ptr<const ZoneView> build_view(const Config& config, const std::vector<GslbHost>& hosts,
                                           const std::vector<PeerTargets>& peers,
                                           std::shared_ptr<const GeoRegions> geo);

// The regions of the config's `geoip:` section (CIDR lists, or the MaxMind DB read now); null
// when there is none. Throws xgslb::Error.
std::shared_ptr<const GeoRegions> load_geo_regions(const GeoIpConfig& config);

// The name peers query for this cluster's own targets of `host` (k8gb's peer protocol).
std::string localtargets_name(const std::string& host);

}  // namespace xgslb
