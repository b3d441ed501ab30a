// A cluster's own targets for a host: the addresses its ingress controller published in the
// Ingress' status.loadBalancer.ingress[] (.ip, IPv4 or IPv6; .hostname, resolved).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "userspace/gslb_model.h"

namespace xgslb {

// Resolves a load balancer's hostname (cloud LBs publish names, not IPs). An interface so tests
// inject the answers; the daemon's uses getaddrinfo.
class HostnameResolver {
public:
    virtual ~HostnameResolver() = default;
    // The A and AAAA addresses of `hostname`; empty when it does not resolve (never throws).
    virtual TargetSet resolve(const std::string& hostname) const = 0;
};

class SystemHostnameResolver : public HostnameResolver {
public:
    TargetSet resolve(const std::string& hostname) const override;
};

// Adds the Ingress' load balancer addresses to `out`; entries that are neither an IP nor a
// resolvable hostname are skipped. Call normalize() when done adding.
void add_ingress_targets(const nlohmann::json& ingress, const HostnameResolver& resolver, TargetSet& out);

// Sorts and deduplicates, so equal sets compare equal and publishes stay minimal.
void normalize(TargetSet& targets);

}  // namespace xgslb
