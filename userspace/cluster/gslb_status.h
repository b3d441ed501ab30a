// The last piece of a Gslb's status: healthyRecords, which k8gb fills with the records actually
// served for each host (after the strategy chose among all clusters' targets), so it is read
// from the ZoneView that was published rather than from the controller's local view.
#pragma once

#include <nlohmann/json.hpp>

#include "userspace/cluster/controller.h"
#include "userspace/zone_view.h"

namespace xgslb {

// status.healthyRecords[host] = the A then AAAA addresses served at host, for each host of the
// update that has any (k8gb leaves hosts without records out).
void fill_healthy_records(GslbStatusUpdate& update, const ZoneView& view);

}  // namespace xgslb
