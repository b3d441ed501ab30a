#include "userspace/cluster/cluster_source.h"

namespace xgslb {

const nlohmann::json* ClusterState::find(const std::string& kind, const std::string& ns,
                                         const std::string& name) const {
    const auto k = objects.find(kind);
    if (k == objects.end()) return nullptr;
    const auto o = k->second.find(ns + "/" + name);
    return o == k->second.end() ? nullptr : o->second.get();
}

void ClusterState::put(const std::string& kind, const std::string& key, nlohmann::json object) {
    objects[kind][key] = std::make_shared<const nlohmann::json>(std::move(object));
}

nlohmann::json& ClusterState::edit(const std::string& kind, const std::string& key) {
    ObjectPtr& slot = objects[kind][key];
    auto copy = std::make_shared<nlohmann::json>(slot ? *slot : nlohmann::json());
    nlohmann::json& out = *copy;
    slot = std::move(copy);
    return out;
}

}  // namespace xgslb
