// `source.kubernetes:` — what a user of a real cluster may need to change about the API client
// (everything optional; the defaults are client-go's where it has one):
//   kubernetes:
//     kubeconfig: /root/.kube/config      # omitted: in-cluster (service account)
//     namespaces: [apps, web]             # watch only these; default all (needs a ClusterRole either way)
//     connectTimeoutSeconds: 5
//     requestTimeoutSeconds: 30           # a list page, a get, a write
//     watchTimeoutSeconds: 300            # the server ends each watch after this; we resume it
//     watchIdleTimeoutSeconds: 90         # no byte (not even a bookmark) for this long: reconnect
//     listPageSize: 500                   # objects per list request (limit/continue)
//     backoff: {initialMs: 500, maxMs: 30000}   # jittered, doubling, after a failed request
//     leaderElection:                     # one writer of statuses, Ingresses and created Gslbs
//       enabled: true
//       namespace: xgslb
//       name: xgslb-leader
//       identity: node-a                  # default $POD_NAME, else the host name
//       leaseDurationSeconds: 15
//       renewDeadlineSeconds: 10
//       retryPeriodSeconds: 5
#include <algorithm>

#include "userspace/config_fields.h"

namespace xgslb::config_detail {

namespace {

// RFC 1123 label, as Kubernetes requires of a namespace and of a Lease's namespace.
bool valid_namespace(const std::string& s) {
    if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// RFC 1123 subdomain: a Lease's name.
bool valid_object_name(const std::string& s) {
    if (s.empty() || s.size() > 253) return false;
    size_t start = 0;
    for (;;) {
        const size_t dot = s.find('.', start);
        const std::string label = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!valid_namespace(label)) return false;
        if (dot == std::string::npos) return true;
        start = dot + 1;
    }
}

std::string get_namespace(const Field& f) {
    const std::string s = get_string(f);
    if (!valid_namespace(s)) f.fail(quoted(s) + " is not a namespace name (lowercase letters, digits, '-', at most 63)");
    return s;
}

void parse_leader_election(const Field& f, KubernetesSourceConfig& k) {
    if (!f.node.IsMap()) f.fail("expected a mapping");
    check_keys(f, {"enabled", "namespace", "name", "identity", "leaseDurationSeconds", "renewDeadlineSeconds",
                   "retryPeriodSeconds"});
    if (auto n = f.child("enabled"); n.present()) k.leader_election = get_bool(n);
    if (auto n = f.child("namespace"); n.present()) k.lease_namespace = get_namespace(n);
    if (auto n = f.child("name"); n.present()) {
        k.lease_name = get_string(n);
        if (!valid_object_name(k.lease_name)) n.fail(quoted(k.lease_name) + " is not a valid object name");
    }
    if (auto n = f.child("identity"); n.present()) k.identity = get_string(n);
    const Field duration = f.child("leaseDurationSeconds"), deadline = f.child("renewDeadlineSeconds"),
                retry = f.child("retryPeriodSeconds");
    if (duration.present()) k.lease_duration = std::chrono::seconds(get_uint(duration, 2, 3600));
    if (deadline.present()) k.lease_renew_deadline = std::chrono::seconds(get_uint(deadline, 1, 3600));
    if (retry.present()) k.lease_renew_period = std::chrono::seconds(get_uint(retry, 1, 3600));
    // client-go's rules: a leader gives up before its lease can expire under another's clock,
    // and retries at least once within the deadline.
    if (k.lease_renew_deadline >= k.lease_duration)
        (deadline.present() ? deadline : duration).fail("renewDeadlineSeconds must be less than leaseDurationSeconds");
    if (k.lease_renew_period >= k.lease_renew_deadline)
        (retry.present() ? retry : deadline).fail("retryPeriodSeconds must be less than renewDeadlineSeconds");
}

}  // namespace

void parse_kubernetes_source(const Field& f, KubernetesSourceConfig& k) {
    check_keys(f, {"kubeconfig", "namespaces", "connectTimeoutSeconds", "requestTimeoutSeconds", "watchTimeoutSeconds",
                   "watchIdleTimeoutSeconds", "listPageSize", "backoff", "leaderElection"});
    if (auto n = f.child("namespaces"); n.present()) {
        for_each_item(n, [&](const Field& item) {
            const std::string ns = get_namespace(item);
            if (std::find(k.namespaces.begin(), k.namespaces.end(), ns) != k.namespaces.end())
                item.fail(quoted(ns) + " is listed twice");
            k.namespaces.push_back(ns);
        });
        if (k.namespaces.empty()) n.fail("an empty list would watch nothing; omit it to watch every namespace");
    }
    if (auto n = f.child("connectTimeoutSeconds"); n.present()) k.connect_timeout = std::chrono::seconds(get_uint(n, 1, 300));
    if (auto n = f.child("requestTimeoutSeconds"); n.present()) k.request_timeout = std::chrono::seconds(get_uint(n, 1, 3600));
    if (auto n = f.child("watchTimeoutSeconds"); n.present()) k.watch_timeout_seconds = get_uint(n, 1, 3600);
    if (auto n = f.child("watchIdleTimeoutSeconds"); n.present())
        k.watch_idle_timeout = std::chrono::seconds(get_uint(n, 5, 3600));
    if (auto n = f.child("listPageSize"); n.present()) k.list_page_size = get_uint(n, 0, 100000);  // 0: one request
    if (auto b = f.child("backoff"); b.present()) {
        if (!b.node.IsMap()) b.fail("expected a mapping (initialMs, maxMs)");
        check_keys(b, {"initialMs", "maxMs"});
        const Field initial = b.child("initialMs"), max = b.child("maxMs");
        if (initial.present()) k.backoff_initial = std::chrono::milliseconds(get_uint(initial, 10, 600000));
        if (max.present()) k.backoff_max = std::chrono::milliseconds(get_uint(max, 10, 3600000));
        if (k.backoff_max < k.backoff_initial) (max.present() ? max : initial).fail("maxMs must be at least initialMs");
    }
    if (auto n = f.child("leaderElection"); n.present()) parse_leader_election(n, k);
}

}  // namespace xgslb::config_detail
