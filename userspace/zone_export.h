// A served zone as an RFC 1035 master file (section 5), for operators and for other servers:
// `xgslbctl zone export` prints it, and the Knot DNS comparison test loads it into knotd.
//
// One stable order, so two exports of the same data are the same text: the SOA first, then the
// owners in RFC 4034 6.1 canonical order, each owner's types ascending, each set's records by
// their wire octets. Every line carries the absolute owner, the TTL, the class and the type, and
// there is no $ORIGIN or $TTL, so any server (and diff) reads a line on its own. Types without a
// presentation form here are written as RFC 3597 unknown records (TYPEn \# len hex).
#pragma once

#include <string>

#include "userspace/zone_view.h"

namespace xgslb {

// The zone's records as master-file text, headed by a comment naming the zone.
std::string export_zone(const Zone& zone);

// Every zone of the view, one after the other, in canonical order of their apexes.
std::string export_zones(const ZoneView& view);

// The zone whose apex is `name` (any case, trailing dot optional). Throws xgslb::Error when
// `name` is not a domain name or no zone of the view has that apex (names the served ones).
const Zone& find_zone_by_apex(const ZoneView& view, const std::string& name);

}  // namespace xgslb
