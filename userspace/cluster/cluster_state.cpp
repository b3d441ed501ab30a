#include "userspace/cluster/cluster_source.h"

namespace xgslb {

const nlohmann::json* ClusterState::find(const std::string& kind, const std::string& ns,
                                         const std::string& name) const {
    const auto k = objects.find(kind);
    if (k == objects.end()) return nullptr;
    const auto o = k->second.find(ns + "/" + name);
    return o == k->second.end() ? nullptr : &o->second;
}

}  // namespace xgslb
