// libFuzzer target: the controller (userspace/cluster/controller.h) over a cluster given as
// JSON — one object, an array, or a List — of Gslbs, Ingresses, Services and EndpointSlices,
// filed by kind and namespace/name as both sources do. reconcile() must never throw (a bad
// object is a problem reported, not a snapshot lost) and must keep its promises: hosts sorted,
// each once, normalized names; addresses only for Healthy hosts; one status per Gslb.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "userspace/cluster/cluster_source.h"
#include "userspace/cluster/controller.h"
#include "userspace/cluster/gslb_spec.h"
#include "userspace/cluster/k8s_object.h"
#include "userspace/error.h"

namespace {

// Cloud load balancers publish names: one that resolves, the rest do not.
class FakeResolver : public xgslb::HostnameResolver {
public:
    xgslb::TargetSet resolve(const std::string& hostname) const override {
        xgslb::TargetSet t;
        if (hostname == "lb.example.net") t.a.push_back({192, 0, 2, 7});
        return t;
    }
};

void add(xgslb::ClusterState& state, const nlohmann::json& object) {
    const std::string kind = xgslb::json_string(object, {"kind"});
    if (kind == xgslb::kKindGslb || kind == xgslb::kKindIngress || kind == xgslb::kKindService ||
        kind == xgslb::kKindEndpointSlice)
        state.put(kind, xgslb::object_key(object), object);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto doc = nlohmann::json::parse(data, data + size, nullptr, false);
    if (doc.is_discarded()) return 0;
    xgslb::ClusterState state;
    if (doc.is_array()) {
        for (const auto& o : doc) add(state, o);
    } else if (const nlohmann::json* items = xgslb::json_at(doc, {"items"}); items && items->is_array()) {
        for (const auto& o : *items) add(state, o);
    } else {
        add(state, doc);
    }
    const FakeResolver resolver;
    for (const auto policy : {xgslb::HealthPolicy::Any, xgslb::HealthPolicy::All}) {
        const xgslb::ControllerResult r = xgslb::reconcile(state, {"eu", policy}, resolver);  // throws: a finding
        std::set<std::string> seen;
        for (size_t i = 0; i < r.hosts.size(); ++i) {
            const xgslb::GslbHost& h = r.hosts[i];
            if (i && !(r.hosts[i - 1].name < h.name)) std::abort();  // sorted, each once
            if (xgslb::normalize_host(h.name) != h.name) std::abort();
            if (h.health != xgslb::HostHealth::Healthy && (!h.local.a.empty() || !h.local.aaaa.empty())) std::abort();
            seen.insert(h.name);
        }
        std::set<std::string> owned;
        for (const auto& s : r.statuses)
            for (const auto& host : s.hosts) owned.insert(host);
        if (owned != seen) std::abort();  // every host in exactly its Gslb's status
        if (state.objects.count(xgslb::kKindGslb) ? r.statuses.size() > state.objects.at(xgslb::kKindGslb).size()
                                                  : !r.statuses.empty())
            std::abort();
    }
    return 0;
}
