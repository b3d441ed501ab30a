#include "userspace/cluster/kube_api.h"

#include <algorithm>
#include <exception>

#include <curl/curl.h>

namespace xgslb {
namespace {

void require_permission(std::string_view verb, const KubeResource& r, const std::string& subresource) {
    const std::string resource = std::string(r.plural) + (subresource.empty() ? "" : "/" + subresource);
    const bool granted = std::any_of(kKubePermissions.begin(), kKubePermissions.end(), [&](const KubePermission& p) {
        return p.verb == verb && p.group == r.group && p.resource == resource;
    });
    // A programming error, caught by the tests: the RBAC manifest would not allow the request.
    if (!granted)
        throw Error(std::string("internal: ") + std::string(verb) + " " + resource +
                    " is not in kKubePermissions (userspace/cluster/kube_resources.h) nor the ClusterRole");
}

std::string escape(const std::string& s) {
    char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
    std::string out = e ? e : "";
    curl_free(e);
    return out;
}

// The API's Status message for a failed call, with advice for the errors a user can fix.
[[noreturn]] void throw_status(const std::string& what, const KubeResponse& resp, const KubeConnection& conn) {
    std::string message;
    if (auto j = nlohmann::json::parse(resp.body, nullptr, false); j.is_object() && j.contains("message"))
        message = j["message"].is_string() ? j["message"].get<std::string>() : j["message"].dump();
    else
        message = resp.body.substr(0, 200);
    std::string text = what + ": HTTP " + std::to_string(resp.status) + (message.empty() ? "" : ": " + message);
    if (resp.status == 401)
        text += " (the API server rejected the credentials from " + conn.origin + ": check the token or client certificate)";
    else if (resp.status == 403)
        text += " (RBAC: apply deploy/kubernetes/rbac.yaml)";
    throw KubeApiError(resp.status, text);
}

nlohmann::json parse_body(const std::string& what, const KubeResponse& resp) {
    auto j = nlohmann::json::parse(resp.body, nullptr, false);
    if (j.is_discarded()) throw Error(what + ": the answer is not JSON");
    return j;
}

}  // namespace

std::string kube_path(const KubeResource& r, const std::string& ns, const std::string& name,
                      const std::string& subresource) {
    std::string p = *r.group ? std::string("/apis/") + r.group + "/" + r.version : std::string("/api/") + r.version;
    if (!ns.empty()) p += "/namespaces/" + escape(ns);
    p += std::string("/") + r.plural;
    if (!name.empty()) p += "/" + escape(name);
    if (!subresource.empty()) p += "/" + subresource;
    return p;
}

KubeListPage KubeApi::list(const KubeResource& r, unsigned limit, const std::string& continue_token,
                           const std::atomic<bool>* stop, const std::string& ns) const {
    require_permission("list", r, "");
    std::string path = kube_path(r, ns);
    std::string sep = "?";
    if (limit) path += sep + "limit=" + std::to_string(limit), sep = "&";
    if (!continue_token.empty()) path += sep + "continue=" + escape(continue_token);
    const std::string what = "list " + std::string(r.plural);
    auto resp = http_.request("GET", path, "", stop);
    if (resp.status != 200) throw_status(what, resp, http_.connection());
    return decode_list_page(what, resp.body);
}

void KubeApi::watch(const KubeResource& r, const std::string& resource_version, unsigned timeout_seconds,
                    const std::function<void()>& on_open, const std::function<bool(KubeWatchEvent)>& on_event,
                    const std::atomic<bool>& stop, const std::string& ns) const {
    require_permission("watch", r, "");
    const std::string path = kube_path(r, ns) + "?watch=true&allowWatchBookmarks=true&resourceVersion=" +
                             escape(resource_version) + "&timeoutSeconds=" + std::to_string(timeout_seconds);
    const std::string what = "watch " + std::string(r.plural);
    // No exception may cross libcurl's C frames: one raised by a line (bad JSON, the caller's
    // ERROR handling) ends the transfer and is rethrown here.
    std::exception_ptr failure;
    auto resp = http_.stream(
        path, on_open,
        [&](std::string_view line) {
            try {
                return on_event(decode_watch_event(what, line));
            } catch (...) {
                failure = std::current_exception();
                return false;
            }
        },
        stop);
    if (resp.status != 200) throw_status(what, resp, http_.connection());
    if (failure) std::rethrow_exception(failure);
}

nlohmann::json KubeApi::get(const KubeResource& r, const std::string& ns, const std::string& name) const {
    require_permission("get", r, "");
    const std::string what = "get " + std::string(r.plural) + " " + ns + "/" + name;
    auto resp = http_.request("GET", kube_path(r, ns, name));
    if (resp.status != 200) throw_status(what, resp, http_.connection());
    return parse_body(what, resp);
}

nlohmann::json KubeApi::create(const KubeResource& r, const std::string& ns, const nlohmann::json& object) const {
    require_permission("create", r, "");
    const std::string what = "create " + std::string(r.plural) + " in " + ns;
    auto resp = http_.request("POST", kube_path(r, ns), object.dump());
    if (resp.status != 200 && resp.status != 201) throw_status(what, resp, http_.connection());
    return parse_body(what, resp);
}

nlohmann::json KubeApi::update(const KubeResource& r, const std::string& ns, const std::string& name,
                               const nlohmann::json& object, const std::string& subresource) const {
    require_permission("update", r, subresource);
    const std::string what = "update " + std::string(r.plural) + (subresource.empty() ? "" : "/" + subresource) +
                             " " + ns + "/" + name;
    auto resp = http_.request("PUT", kube_path(r, ns, name, subresource), object.dump());
    if (resp.status != 200 && resp.status != 201) throw_status(what, resp, http_.connection());
    return parse_body(what, resp);
}

}  // namespace xgslb
