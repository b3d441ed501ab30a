// The Ingress k8gb keeps for a Gslb with an embedded spec.ingress: same namespace and name,
// spec = the Gslb's spec.ingress, the Gslb's annotations plus k8gb.io/strategy (and
// k8gb.io/primary-geotag), owned by the Gslb (a controller ownerReference, so deleting the Gslb
// deletes it). Its status, written by the ingress controller, carries the load-balancer
// addresses the Gslb's hosts are served with. k8gb creates it when missing and, when its spec or
// those annotations drifted, writes them back over the Ingress it found (other fields kept).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace xgslb {

struct GslbIngressWrite {
    bool create = false;     // POST `object`; else PUT it (it carries the resourceVersion read)
    nlohmann::json object;
};

// What to write so that `current` (the Ingress of the Gslb's name, null if none) is the one the
// Gslb asks for; nullopt when it already is, or when the Gslb has no embedded spec.ingress.
// Throws xgslb::Error when the Ingress is controlled by another owner (we do not take it over).
std::optional<GslbIngressWrite> gslb_ingress_write(const nlohmann::json& gslb, const nlohmann::json* current);

}  // namespace xgslb
