// Building ClusterStates for the controller's tests from manifest files and YAML snippets.
#pragma once

#include <string>

#include "userspace/cluster/cluster_source.h"
#include "userspace/cluster/ingress_targets.h"
#include "userspace/cluster/manifest_file.h"

namespace xgslb::test {

inline std::string fixture(const std::string& rel) { return std::string(XGSLB_FIXTURES_DIR) + "/" + rel; }

inline void add_objects(ClusterState& state, const std::vector<ManifestObject>& objects) {
    for (const auto& o : objects) state.put(o.kind, o.key, o.object);
}
inline void add_file(ClusterState& state, const std::string& rel) { add_objects(state, load_manifest_file(fixture(rel))); }
inline void add_yaml(ClusterState& state, const std::string& yaml) { add_objects(state, parse_manifest_text(yaml, "test.yaml")); }

// k8gb's roundRobin and failover samples with the cluster objects around them.
inline ClusterState sample_cluster() {
    ClusterState s;
    add_file(s, "k8gb/k8gb.absa.oss_v1beta1_gslb_cr.yaml");
    add_file(s, "k8gb/k8gb.absa.oss_v1beta1_gslb_cr_failover.yaml");
    add_file(s, "controller/cluster.yaml");
    return s;
}

// Answers from a table; a name not in it does not resolve.
class TableResolver : public HostnameResolver {
public:
    std::map<std::string, TargetSet> table;
    TargetSet resolve(const std::string& hostname) const override {
        const auto it = table.find(hostname);
        return it == table.end() ? TargetSet{} : it->second;
    }
};

inline Ipv4Address v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {a, b, c, d}; }
inline Ipv6Address v6_2001_db8(uint8_t last) {
    Ipv6Address a{0x20, 0x01, 0x0d, 0xb8};
    a[15] = last;
    return a;
}

}  // namespace xgslb::test
