// The slow path's half of the per-query strategy: the same choice the XDP program makes
// (bpf/strategy_select.h) from the same published groups, so both paths give the same answers
// (Fixed and Geo byte for byte; Rotate and Weighted the same records in an order either could
// have drawn).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "userspace/zone_view.h"

namespace xgslb {

// Who is asking, for Geo: the ECS address and source length when the query had one, else the
// packet's source address with its full length.
struct GeoClient {
    int family = 0;  // AF_INET or AF_INET6; 0: unknown (no Geo group matches)
    std::array<uint8_t, 16> addr{};
    unsigned source_len = 0;
};

// Appends `set`'s records for this query to `out`; returns the ECS scope prefix length to echo
// (0 unless `set` is Geo). `geo` may be null (then no Geo group matches).
uint8_t select_records(const RRset& set, const GeoRegions* geo, const GeoClient& client,
                       std::vector<const Rdata*>& out);

}  // namespace xgslb
