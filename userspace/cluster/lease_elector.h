// Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection does
// it: the holder renews spec.renewTime every renew_period; a candidate takes the Lease over once
// it has seen the same record unchanged for leaseDurationSeconds (measured on its own clock,
// so clock skew between nodes does not matter); every write carries metadata.resourceVersion,
// so of two candidates racing for an expired Lease exactly one wins (the other gets 409). A
// leader that cannot renew within renew_deadline stops leading before anyone can take over.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "userspace/cluster/kube_api.h"
#include "userspace/cluster/stop_signal.h"

namespace xgslb {

struct LeaseConfig {
    std::string lease_namespace = "xgslb";
    std::string lease_name = "xgslb-leader";
    std::string identity;                              // unique per daemon (pod name)
    std::chrono::seconds lease_duration{15};
    std::chrono::milliseconds renew_deadline{10000};   // < lease_duration
    std::chrono::milliseconds renew_period{5000};      // also how often a candidate retries
    bool release_on_stop = true;                       // hand over at once on a clean stop
};

class LeaseElector {
public:
    LeaseElector(const KubeApi& api, LeaseConfig config);

    void run(StopSignal& stop);  // until stop; then releases the Lease if held and configured
    bool is_leader() const;
    std::string last_error() const;
    const std::string& identity() const { return config_.identity; }

private:
    // One attempt; true when we hold the Lease afterwards.
    bool try_acquire_or_renew();
    void release();
    nlohmann::json lease_spec(const nlohmann::json& old_spec, const std::string& now) const;

    const KubeApi& api_;
    LeaseConfig config_;
    // Until when (steady clock, ns since epoch) we may call ourselves leader.
    std::atomic<int64_t> leader_until_{0};
    // The other holder's record as last seen, and when we first saw it so.
    std::string observed_record_;
    std::chrono::steady_clock::time_point observed_at_{};
    mutable std::mutex error_mutex_;
    std::string last_error_;
};

// RFC 3339 with microseconds, as the API's MicroTime.
std::string kube_micro_time_now();

}  // namespace xgslb
