// The ClusterSource that reads the Kubernetes API: one reflector per watched resource (all
// namespaces), snapshots delivered after a short debounce, the last state kept while the API
// server is unreachable (fail-static), and a Lease so that one daemon of many writes status.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "userspace/cluster/cluster_source.h"

namespace xgslb {

struct KubernetesSourceConfig {
    std::string kubeconfig;  // "" = in-cluster (service account, KUBERNETES_SERVICE_HOST/PORT)
    std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";  // in-cluster only

    bool leader_election = true;  // false: this daemon never writes (is_leader() false)
    std::string lease_namespace = "xgslb";
    std::string lease_name = "xgslb-leader";
    std::string identity;  // "" = $POD_NAME, else the host name
    std::chrono::seconds lease_duration{15};
    std::chrono::milliseconds lease_renew_deadline{10000};
    std::chrono::milliseconds lease_renew_period{5000};
    bool release_lease_on_stop = true;

    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds request_timeout{30000};
    std::chrono::milliseconds watch_idle_timeout{90000};  // no byte for this long: the stream is dead
    unsigned watch_timeout_seconds = 300;                 // the server ends each watch after this
    unsigned list_page_size = 500;
    std::chrono::milliseconds backoff_initial{500};
    std::chrono::milliseconds backoff_max{30000};
    std::chrono::milliseconds debounce{50};  // a burst of events becomes one snapshot
};

// Reads the kubeconfig or in-cluster credentials now (throws xgslb::Error if they are
// unusable); connects when started.
std::unique_ptr<ClusterSource> make_kubernetes_source(const KubernetesSourceConfig& config);

// $POD_NAME, else the host name: unique per DaemonSet pod, stable across restarts of a pod.
std::string default_lease_identity();

}  // namespace xgslb
