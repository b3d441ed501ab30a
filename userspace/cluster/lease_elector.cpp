#include "userspace/cluster/lease_elector.h"

#include <ctime>

#include <spdlog/spdlog.h>

namespace xgslb {
namespace {

int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::string kube_micro_time_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[80];
    std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(micros));
    return out;
}

LeaseElector::LeaseElector(const KubeApi& api, LeaseConfig config) : api_(api), config_(std::move(config)) {}

bool LeaseElector::is_leader() const { return steady_ns() < leader_until_.load(); }

std::string LeaseElector::last_error() const {
    std::lock_guard lock(error_mutex_);
    return last_error_;
}

nlohmann::json LeaseElector::lease_spec(const nlohmann::json& old_spec, const std::string& now) const {
    const bool ours = old_spec.value("holderIdentity", "") == config_.identity;
    return {
        {"holderIdentity", config_.identity},
        {"leaseDurationSeconds", config_.lease_duration.count()},
        {"acquireTime", ours && old_spec.contains("acquireTime") ? old_spec["acquireTime"] : nlohmann::json(now)},
        {"renewTime", now},
        {"leaseTransitions", old_spec.value("leaseTransitions", 0) + (ours ? 0 : 1)},
    };
}

bool LeaseElector::try_acquire_or_renew() {
    const std::string now = kube_micro_time_now();
    const auto attempt_start = steady_ns();
    nlohmann::json lease;
    try {
        lease = api_.get(kLeaseResource, config_.lease_namespace, config_.lease_name);
    } catch (const KubeApiError& e) {
        if (e.code != 404) throw;
        nlohmann::json fresh = {
            {"apiVersion", "coordination.k8s.io/v1"},
            {"kind", "Lease"},
            {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
            {"spec", lease_spec(nlohmann::json::object(), now)},
        };
        fresh["spec"]["leaseTransitions"] = 0;
        try {
            api_.create(kLeaseResource, config_.lease_namespace, fresh);
        } catch (const KubeApiError& c) {
            if (c.code == 409) return false;  // another candidate created it first
            throw;
        }
        leader_until_ = attempt_start + std::chrono::nanoseconds(config_.renew_deadline).count();
        return true;
    }
    const auto spec = lease.value("spec", nlohmann::json::object());
    const std::string holder = spec.value("holderIdentity", "");
    if (!holder.empty() && holder != config_.identity) {
        // Someone else's: theirs while the record keeps changing within leaseDurationSeconds.
        const std::string record = spec.dump();
        const auto steady_now = std::chrono::steady_clock::now();
        if (record != observed_record_) {
            observed_record_ = record;
            observed_at_ = steady_now;
        }
        const auto duration = std::chrono::seconds(spec.value("leaseDurationSeconds", config_.lease_duration.count()));
        leader_until_ = 0;
        if (steady_now - observed_at_ < duration) return false;
        spdlog::info("kubernetes: lease {}/{} of {} expired; taking it over", config_.lease_namespace,
                     config_.lease_name, holder);
    }
    lease["spec"] = lease_spec(spec, now);  // metadata.resourceVersion stays: optimistic concurrency
    try {
        api_.update(kLeaseResource, config_.lease_namespace, config_.lease_name, lease);
    } catch (const KubeApiError& e) {
        if (e.code == 409) {  // changed since our read: someone renewed or took it
            leader_until_ = 0;
            return false;
        }
        throw;
    }
    if (holder != config_.identity) spdlog::info("kubernetes: {} is now the leader", config_.identity);
    leader_until_ = attempt_start + std::chrono::nanoseconds(config_.renew_deadline).count();
    return true;
}

void LeaseElector::release() {
    try {
        auto lease = api_.get(kLeaseResource, config_.lease_namespace, config_.lease_name);
        if (lease.value("spec", nlohmann::json::object()).value("holderIdentity", "") != config_.identity) return;
        // As client-go releases: no holder, a one-second duration, so a candidate takes over now.
        lease["spec"]["holderIdentity"] = "";
        lease["spec"]["leaseDurationSeconds"] = 1;
        lease["spec"]["renewTime"] = kube_micro_time_now();
        api_.update(kLeaseResource, config_.lease_namespace, config_.lease_name, lease);
        spdlog::info("kubernetes: {} released the lease", config_.identity);
    } catch (const Error& e) {
        spdlog::warn("kubernetes: releasing the lease: {}", e.what());
    }
}

void LeaseElector::run(StopSignal& stop) {
    while (!stop.requested()) {
        try {
            const bool was_leader = is_leader();
            if (!try_acquire_or_renew() && was_leader)
                spdlog::warn("kubernetes: {} lost the lease", config_.identity);
            std::lock_guard lock(error_mutex_);
            last_error_.clear();
        } catch (const Error& e) {
            // Keep leading until renew_deadline runs out (is_leader() checks the clock).
            std::lock_guard lock(error_mutex_);
            if (last_error_ != e.what()) spdlog::warn("kubernetes: lease: {}", e.what());
            last_error_ = e.what();
        } catch (const nlohmann::json::exception& e) {
            std::lock_guard lock(error_mutex_);
            last_error_ = std::string("lease: unexpected JSON: ") + e.what();
        }
        stop.sleep_for(config_.renew_period);
    }
    if (is_leader() && config_.release_on_stop) {
        leader_until_ = 0;  // stop writing before someone else starts
        release();
    }
    leader_until_ = 0;
}

}  // namespace xgslb
