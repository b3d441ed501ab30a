#include "userspace/gslb_model.h"

namespace xgslb {

const char* to_string(StrategyType type) {
    switch (type) {
    case StrategyType::RoundRobin: return "roundRobin";
    case StrategyType::Failover: return "failover";
    case StrategyType::GeoIp: return "geoip";
    }
    return "?";
}

const char* to_string(HostHealth health) {
    switch (health) {
    case HostHealth::Healthy: return "Healthy";
    case HostHealth::Unhealthy: return "Unhealthy";
    case HostHealth::NotFound: return "NotFound";
    }
    return "?";
}

}  // namespace xgslb
