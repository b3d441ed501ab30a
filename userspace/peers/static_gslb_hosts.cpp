#include "userspace/peers/static_gslb_hosts.h"

#include <algorithm>

#include "userspace/dns_name.h"
#include "userspace/gslb_names.h"

namespace xgslb {

namespace {

// GslbHost::name form: lowercase, no trailing dot.
std::string host_name(const std::string& name) {
    std::string s = canonical_name(name);
    if (s.size() > 1) s.pop_back();
    return s;
}

}  // namespace

StaticGslbHosts static_gslb_hosts(const Config& config) {
    StaticGslbHosts out{config, {}};
    out.config.records.clear();
    for (const RecordConfig& r : config.records) {
        if (!r.strategy) {
            out.config.records.push_back(r);
            continue;
        }
        GslbHost h;
        h.name = host_name(r.name);
        h.ttl = r.ttl;
        h.strategy = *r.strategy;
        if (auto it = r.targets.find(config.geo_tag); it != r.targets.end()) h.local = it->second;
        h.health = h.local.empty() ? HostHealth::Unhealthy : HostHealth::Healthy;
        out.hosts.push_back(std::move(h));
    }
    return out;
}

std::vector<std::string> gslb_hosts_of(const Config& config) {
    std::vector<std::string> hosts;
    for (const RecordConfig& r : config.records) {
        if (r.strategy) hosts.push_back(host_name(r.name));
        const std::string host = host_of_localtargets(host_name(r.name));
        if (!host.empty()) hosts.push_back(host);
    }
    std::sort(hosts.begin(), hosts.end());
    hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
    return hosts;
}

}  // namespace xgslb
