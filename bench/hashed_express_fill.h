// Fills an express table of the previous layout (256-octet slots keyed by the name hash, before
// slots held names) for a build of that layout measured beside the current one: without it the
// older build would run with an empty table and look slower than it is. Bench-only; the layout
// is that of the commits before the name-keyed table (git log maps/xgslb_abi.h).
#pragma once

#include "maps/pinned_maps.h"

namespace xgslb::bench {

// `map_fd`: the older build's own xgslb_express (value size 256); the sets come from the
// published instance's xgslb_rrsets (`maps`). Returns the slots filled.
size_t fill_hashed_express(int map_fd, const MapFds& maps);

}  // namespace xgslb::bench
