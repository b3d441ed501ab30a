#include "userspace/cluster/kube_reflector.h"

#include <spdlog/spdlog.h>

#include "userspace/cluster/k8s_object.h"
#include "userspace/cluster/reconnect_backoff.h"

namespace xgslb {

KubeReflector::KubeReflector(const KubeApi& api, KubeResource resource, std::string ns, ReflectorTimings timings,
                             std::function<void()> on_change)
    : api_(api), resource_(resource), ns_(std::move(ns)), timings_(timings), on_change_(std::move(on_change)) {}

std::map<std::string, ObjectPtr> KubeReflector::mirror() const {
    std::lock_guard lock(mutex_);
    return mirror_;
}

ReflectorStatus KubeReflector::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

void KubeReflector::set_error(const std::string& e) {
    std::lock_guard lock(mutex_);
    status_.synced = false;
    status_.last_error = e;
}

std::string KubeReflector::list_all(StopSignal& stop) {
    std::map<std::string, ObjectPtr> fresh;
    std::string token, version;
    do {
        auto page = api_.list(resource_, timings_.list_page_size, token, &stop.flag(), ns_);
        if (version.empty()) version = page.resource_version;  // every page is of the first one's snapshot
        for (auto& item : page.items) {
            auto key = object_key(item);  // before the move: `a[f(x)] = move(x)` moves first
            fresh[std::move(key)] = std::make_shared<const nlohmann::json>(std::move(item));
        }
        token = page.continue_token;
    } while (!token.empty() && !stop.requested());
    {
        std::lock_guard lock(mutex_);
        mirror_ = std::move(fresh);
        status_.listed_once = true;
        status_.synced = true;
        status_.last_error.clear();
        ++status_.relists;
    }
    on_change_();
    return version;
}

bool KubeReflector::watch_from(std::string& resource_version, StopSignal& stop) {
    bool gone = false;
    api_.watch(
        resource_, resource_version, timings_.watch_timeout_seconds,
        [&] {  // the server accepted the watch: current again
            std::lock_guard lock(mutex_);
            status_.synced = true;
            status_.last_error.clear();
        },
        [&](KubeWatchEvent event) {
            WatchStep step;
            {
                std::lock_guard lock(mutex_);
                step = apply_watch_event("watch " + std::string(resource_.plural), std::move(event), mirror_,
                                         resource_version);
            }
            if (step == WatchStep::Gone) {
                gone = true;
                return false;
            }
            if (step == WatchStep::Applied) on_change_();
            return true;
        },
        stop.flag(), ns_);
    return !gone;
}

void KubeReflector::run(StopSignal& stop) {
    ReconnectBackoff backoff(timings_.backoff_initial, timings_.backoff_max);
    std::string version;
    bool need_list = true;
    auto count_restart = [&] {
        std::lock_guard lock(mutex_);
        ++status_.restarts;
    };
    while (!stop.requested()) {
        try {
            if (need_list) {
                version = list_all(stop);
                need_list = false;
            }
            const std::string before = version;
            if (!watch_from(version, stop)) {
                spdlog::info("kubernetes: {}: resourceVersion {} is gone (410), listing again", resource_.plural, version);
                need_list = true;
            }
            if (stop.requested()) break;
            count_restart();
            // A stream the server ended (timeoutSeconds) is normal: resume at once. One that
            // brought nothing new may be a server that closes at once: pace it with the backoff.
            if (version != before || need_list) {
                backoff.reset();
                continue;
            }
        } catch (const KubeApiError& e) {
            count_restart();
            if (e.code == 410) {  // a list's continue token or the watch's version expired
                spdlog::info("kubernetes: {}; listing again", e.what());
                need_list = true;
                continue;
            }
            // Debug only: every retry fails alike while the API server is down. The model loop
            // logs the source's health once per outage (ModelLoop::check_source_health).
            spdlog::debug("kubernetes: {} (serving the last state)", e.what());
            set_error(e.what());
        } catch (const Error& e) {
            count_restart();
            if (stop.requested()) break;
            spdlog::debug("kubernetes: {} (serving the last state)", e.what());
            set_error(e.what());
        } catch (const nlohmann::json::exception& e) {
            count_restart();
            set_error(std::string(resource_.plural) + ": unexpected JSON: " + e.what());
        }
        stop.sleep_for(backoff.next());
    }
}

}  // namespace xgslb
