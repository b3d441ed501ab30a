// Writes the RRL maps of an instance (the RRL section of maps/xgslb_abi.h) from their wanted
// contents. Stateless: the allow list is read back from the map, so a restarted daemon also
// removes what an earlier one left.
#pragma once

#include "maps/pinned_maps.h"
#include "userspace/rrl_contents.h"

namespace xgslb {

// New allow-list entries first, then the settings (whose allow_count enables the lookups),
// then removed entries: a prefix being added is never limited for lack of its entry. Throws
// xgslb::Error.
void write_rrl_maps(const MapFds& fds, const RrlMapContents& next);

// What the maps hold now.
RrlMapContents read_rrl_maps(const MapFds& fds);

}  // namespace xgslb
