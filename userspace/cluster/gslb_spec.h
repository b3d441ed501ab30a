// A Gslb's spec.strategy read into the model (k8gb.absa.oss/v1beta1), strictly: a value k8gb
// would reject is an error naming the field, so the Gslb is skipped instead of half-served.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "userspace/gslb_model.h"

namespace xgslb {

inline constexpr uint32_t kDefaultDnsTtlSeconds = 30;  // k8gb's default for dnsTtlSeconds

struct GslbStrategy {
    StrategySpec spec;
    uint32_t ttl = kDefaultDnsTtlSeconds;
};

// spec.strategy: type roundRobin | failover | geoip, weight (geo tag -> 0..1000, integers or
// k8gb's older "NN%" strings), primaryGeoTag (required by failover), dnsTtlSeconds.
// Throws xgslb::Error ("spec.strategy.type: ...").
GslbStrategy parse_gslb_strategy(const nlohmann::json& gslb);

// The same from an Ingress' k8gb.io/strategy, k8gb.io/primary-geotag, k8gb.io/dns-ttl-seconds
// annotations, as the spec.strategy of the Gslb to create. Throws xgslb::Error.
nlohmann::json strategy_from_annotations(const nlohmann::json& annotations);

// "Roundrobin.Cloud.example.com." -> "roundrobin.cloud.example.com"; throws xgslb::Error for a
// name that is not a valid DNS name or is a wildcard.
std::string normalize_host(const std::string& host);

}  // namespace xgslb
