// INTERIM build_view, until the strategies engineer's userspace/view_assembly.cpp is on main:
// delete this file (and its line in CMakeLists.txt) then. It serves every healthy host's local
// targets as plain round robin (no weights, failover or peers) plus localtargets-<host>, by
// turning hosts into static records, so the controller and model loop can be tested end to end.
#include <set>

#include "userspace/dns_name.h"
#include "userspace/error.h"
#include "userspace/view_assembly.h"

namespace xgslb {

std::shared_ptr<const ZoneView> build_view(const Config& config, const std::vector<GslbHost>& hosts,
                                           const std::vector<PeerTargets>&, const GeoRegions*) {
    Config c = config;
    std::set<std::string> taken;
    for (const auto& r : c.records) taken.insert(canonical_name(r.name));
    for (const auto& h : hosts) {
        if (h.health != HostHealth::Healthy || h.local.empty()) continue;
        for (const std::string& name : {h.name, "localtargets-" + h.name}) {
            if (!taken.insert(canonical_name(name)).second) continue;
            RecordConfig r;
            r.name = name;
            r.ttl = h.ttl;
            r.a = h.local.a;
            r.aaaa = h.local.aaaa;
            c.records.push_back(std::move(r));
        }
    }
    return ZoneView::build(c);
}

}  // namespace xgslb
