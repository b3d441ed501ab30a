// The API calls xgslb makes, typed by resource: list pages, watch streams, get, create, update
// (of an object or its /status). Each refuses a verb kKubePermissions does not list, so the
// ClusterRole checked against that table covers every request. Non-2xx answers become
// KubeApiError with the API's own Status message.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "userspace/cluster/kube_decode.h"
#include "userspace/cluster/kube_http.h"
#include "userspace/cluster/kube_resources.h"
#include "userspace/error.h"

namespace xgslb {

struct KubeApiError : Error {
    KubeApiError(long code, const std::string& message) : Error(message), code(code) {}
    long code;  // HTTP status: 401, 404, 409, 410, 500...
};

class KubeApi {
public:
    explicit KubeApi(KubeHttp http) : http_(std::move(http)) {}

    // `ns` "" = all namespaces. `limit` 0: no paging.
    KubeListPage list(const KubeResource& r, unsigned limit, const std::string& continue_token,
                      const std::atomic<bool>* stop = nullptr, const std::string& ns = "") const;
    // Watch from resource_version with bookmarks, each event line decoded to on_event (return
    // false to end; an exception it throws ends the watch and is rethrown from here). Returns
    // when the server ends the stream (timeout_seconds) or stop; throws KubeApiError for a
    // non-200 answer (410 included), Error for a transport failure. `ns` "" = all namespaces.
    // on_open: once the server answered 200, before any event.
    void watch(const KubeResource& r, const std::string& resource_version, unsigned timeout_seconds,
               const std::function<void()>& on_open, const std::function<bool(KubeWatchEvent)>& on_event,
               const std::atomic<bool>& stop, const std::string& ns = "") const;

    nlohmann::json get(const KubeResource& r, const std::string& ns, const std::string& name) const;
    nlohmann::json create(const KubeResource& r, const std::string& ns, const nlohmann::json& object) const;
    // PUT of the object (subresource "") or of its /status; object carries metadata.resourceVersion.
    nlohmann::json update(const KubeResource& r, const std::string& ns, const std::string& name,
                          const nlohmann::json& object, const std::string& subresource = "") const;

    const KubeHttp& http() const { return http_; }

private:
    KubeHttp http_;
};

// "/apis/G/V" or "/api/V", then [/namespaces/NS]/PLURAL[/NAME[/SUB]].
std::string kube_path(const KubeResource& r, const std::string& ns = "", const std::string& name = "",
                      const std::string& subresource = "");

}  // namespace xgslb
