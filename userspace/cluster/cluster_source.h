// Where the controller's Kubernetes objects come from: the manifests directory (a cluster in
// files, watched with inotify) or the API server (list + watch). Both deliver the same thing —
// a full snapshot of the watched objects, as the API serves them in JSON — so the controller
// (userspace/cluster/controller.h) is one code path for both.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "userspace/error.h"

namespace xgslb {

struct GslbIngressWrite;  // userspace/cluster/gslb_ingress.h

// The watched kinds, as ClusterState::objects keys.
inline constexpr const char* kKindGslb = "Gslb";                    // k8gb.absa.oss/v1beta1
inline constexpr const char* kKindIngress = "Ingress";              // networking.k8s.io/v1
inline constexpr const char* kKindService = "Service";              // v1
inline constexpr const char* kKindEndpointSlice = "EndpointSlice";  // discovery.k8s.io/v1

// An object as the API serves it, as JSON (YAML manifests converted). Shared and never changed
// once in a state: a source's next snapshot shares every object that did not change with the
// last one (at 100k hosts a deep copy per snapshot cost more than the controller).
using ObjectPtr = std::shared_ptr<const nlohmann::json>;

struct ClusterState {
    // kind -> "namespace/name" -> the object; never null.
    std::map<std::string, std::map<std::string, ObjectPtr>> objects;

    const nlohmann::json* find(const std::string& kind, const std::string& ns, const std::string& name) const;
    void put(const std::string& kind, const std::string& key, nlohmann::json object);
    // A writable copy of the object (null when there was none), put in place of the shared one:
    // for tests that derive a state from another.
    nlohmann::json& edit(const std::string& kind, const std::string& key);
};

// How the source is doing, for logs and metrics: fail-static means serving the last state.
struct SourceHealth {
    bool synced = false;        // a full snapshot has been delivered and the source is current
    std::string last_error;     // empty when none since the last success
    uint64_t restarts = 0;      // watch streams restarted (or directory rescans)
};

class ClusterSource {
public:
    using OnChange = std::function<void(std::shared_ptr<const ClusterState>)>;
    virtual ~ClusterSource() = default;

    // Delivers the full state once synced and again after every change, from the source's own
    // thread; a burst of changes may be delivered as one state. Returns at once.
    virtual void start(OnChange on_change) = 0;
    virtual void stop() = 0;  // joins the thread; no call of on_change after it returns

    // Whether this daemon is the one writer of its cluster (a coordination.k8s.io Lease with the
    // API source; always true for manifests). Status writes and edge DNS updates need it.
    virtual bool is_leader() const = 0;
    // Writes a Gslb's status through its /status subresource (manifests: <file>.status.json
    // beside the manifest). Throws xgslb::Error on failure.
    virtual void write_gslb_status(const std::string& ns, const std::string& name, const nlohmann::json& status) = 0;
    // Creates a Gslb for an Ingress annotated k8gb.io/strategy (owned by the Ingress).
    virtual void create_gslb(const nlohmann::json& gslb) = 0;
    // Whether this source keeps the Ingress of each Gslb with an embedded spec.ingress, as k8gb
    // does through the API. The manifests source does not: there that Ingress (with the status
    // an ingress controller would write) is a file like any other.
    virtual bool writes_gslb_ingresses() const { return false; }
    // Creates or updates that Ingress. Throws xgslb::Error (a 409 included: the next state shows
    // what changed, and the controller asks again from it).
    virtual void write_gslb_ingress(const GslbIngressWrite&) {
        throw Error("internal: this cluster source does not write Ingresses");
    }
    virtual SourceHealth health() const = 0;
};

}  // namespace xgslb
