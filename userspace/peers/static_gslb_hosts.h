// Until the model loop (issue 4) feeds the daemon, a cluster with a `gslb:` section treats each
// static record with a strategy as a GSLB host: its local targets are `targets[<geoTag>]`
// (healthy when there are any), the other clusters' come from the peers, and build_view()
// publishes localtargets-<host> for it. Without a gslb section nothing changes: the record's
// targets for every tag are used as written.
#pragma once

#include <string>
#include <vector>

#include "userspace/config.h"
#include "userspace/gslb_model.h"

namespace xgslb {

struct StaticGslbHosts {
    Config config;                // the strategy records taken out
    std::vector<GslbHost> hosts;  // one per strategy record
};

StaticGslbHosts static_gslb_hosts(const Config& config);

// The hosts a cluster asks its peers about: those above, and the hosts of static
// localtargets-<host> records (a cluster that publishes targets for a host takes part in it).
std::vector<std::string> gslb_hosts_of(const Config& config);

}  // namespace xgslb
