// The ClusterSource that reads the Kubernetes API: one reflector per watched resource (all
// namespaces), snapshots delivered after a short debounce, the last state kept while the API
// server is unreachable (fail-static), and a Lease so that one daemon of many writes status.
#pragma once

#include <memory>
#include <string>

#include "userspace/cluster/cluster_source.h"
#include "userspace/cluster/kubernetes_source_config.h"

namespace xgslb {

// Reads the kubeconfig or in-cluster credentials now (throws xgslb::Error if they are
// unusable); connects when started. write_gslb_status and create_gslb throw unless leader.
std::unique_ptr<ClusterSource> make_kubernetes_source(const KubernetesSourceConfig& config);

// $POD_NAME, else the host name: unique per DaemonSet pod, stable across restarts of a pod.
std::string default_lease_identity();

}  // namespace xgslb
