// The names clusters find each other by, exactly as k8gb derives them, so an xgslb cluster and a
// k8gb cluster can peer: each cluster's NS name in the edge zone, and the localtargets-<host>
// name a cluster publishes its own healthy targets under.
#pragma once

#include <string>
#include <vector>

#include "userspace/config.h"

namespace xgslb {

// gslb-ns-<geo tag>-<zone minus ".<edge zone>", dots as dashes>.<edge zone>, lowercase, no
// trailing dot: ("eu", "cloud.example.com", "example.com") -> "gslb-ns-eu-cloud.example.com".
// k8gb: controllers/depresolver/depresolver_domaininfo.go, getNsName (TrimSuffix, ReplaceAll).
// Throws xgslb::Error when `zone` is not strictly below `edge_zone` or the result is not a name.
std::string gslb_ns_name(const std::string& geo_tag, const std::string& zone, const std::string& edge_zone);

// Every configured cluster's NS name for the gslb zone, sorted (k8gb's GetNSServerList sorts too,
// so every cluster writes the same NS set). Empty when the config has no gslb section.
std::vector<std::string> gslb_ns_names(const Config& config);

// This cluster's own NS name ("" without a gslb section).
std::string own_ns_name(const Config& config);

// The host of a "localtargets-<host>" name, or "" for any other name (the other way:
// localtargets_name() in view_assembly.h; k8gb: controllers/providers/assistant/gslb.go).
std::string host_of_localtargets(const std::string& name);

}  // namespace xgslb
