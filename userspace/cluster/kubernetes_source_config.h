// The Kubernetes API source's settings (config: `source: {kubernetes: {...}}`). Plain values and
// no dependencies, so userspace/config.h can hold one; make_kubernetes_source() takes it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace xgslb {

struct KubernetesSourceConfig {
    std::string kubeconfig;  // "" = in-cluster (service account, KUBERNETES_SERVICE_HOST/PORT)
    std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";  // in-cluster only
    // Watch only these namespaces (one list+watch per namespace and resource); empty: all.
    std::vector<std::string> namespaces;

    bool leader_election = true;  // false: this daemon never writes (is_leader() false)
    std::string lease_namespace = "xgslb";
    std::string lease_name = "xgslb-leader";
    std::string identity;  // "" = $POD_NAME, else the host name
    std::chrono::seconds lease_duration{15};
    std::chrono::milliseconds lease_renew_deadline{10000};  // a leader that cannot renew for this long stops leading
    std::chrono::milliseconds lease_renew_period{5000};     // also how often a candidate retries
    bool release_lease_on_stop = true;                      // a clean stop hands over at once

    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds request_timeout{30000};
    std::chrono::milliseconds watch_idle_timeout{90000};  // no byte for this long: the stream is dead
    unsigned watch_timeout_seconds = 300;                 // the server ends each watch after this
    unsigned list_page_size = 500;
    std::chrono::milliseconds backoff_initial{500};
    std::chrono::milliseconds backoff_max{30000};
    std::chrono::milliseconds debounce{50};  // a burst of events becomes one snapshot

    friend bool operator==(const KubernetesSourceConfig&, const KubernetesSourceConfig&) = default;
};

}  // namespace xgslb
