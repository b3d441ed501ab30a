// One resource's mirror of the API server, as client-go's Reflector keeps it: list (in pages),
// then watch from the list's resourceVersion; apply ADDED/MODIFIED/DELETED, advance on
// BOOKMARK; after a 410 Gone (HTTP or an ERROR event) list again, which also catches deletions
// the watch missed; on any other failure back off (jittered, capped) and resume the watch from
// the last resourceVersion seen. The mirror is kept through failures (fail-static).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "userspace/cluster/cluster_source.h"
#include "userspace/cluster/kube_api.h"
#include "userspace/cluster/stop_signal.h"

namespace xgslb {

struct ReflectorTimings {
    unsigned list_page_size = 500;
    unsigned watch_timeout_seconds = 300;  // the server ends each watch after this (client-go: 5-10 min)
    std::chrono::milliseconds backoff_initial{500};
    std::chrono::milliseconds backoff_max{30000};
};

struct ReflectorStatus {
    bool synced = false;         // listed, and the watch is open without error
    bool listed_once = false;    // the mirror has been filled at least once
    std::string last_error;      // since the last success
    uint64_t restarts = 0;       // watches restarted after a failure, a drop or a 410
    uint64_t relists = 0;
};

class KubeReflector {
public:
    // on_change: called from run()'s thread after the mirror changed. `ns` "" = all namespaces.
    KubeReflector(const KubeApi& api, KubeResource resource, std::string ns, ReflectorTimings timings,
                  std::function<void()> on_change);

    void run(StopSignal& stop);  // until stop is requested

    // "namespace/name" -> object; the objects are shared, so this copies only pointers.
    std::map<std::string, ObjectPtr> mirror() const;
    ReflectorStatus status() const;
    const KubeResource& resource() const { return resource_; }

private:
    std::string list_all(StopSignal& stop);  // replaces the mirror; returns its resourceVersion
    // Watches until the stream ends; returns false when the server said 410 (list again).
    bool watch_from(std::string& resource_version, StopSignal& stop);
    void set_error(const std::string& e);

    const KubeApi& api_;
    KubeResource resource_;
    std::string ns_;
    ReflectorTimings timings_;
    std::function<void()> on_change_;
    mutable std::mutex mutex_;
    std::map<std::string, ObjectPtr> mirror_;
    ReflectorStatus status_;
};

}  // namespace xgslb
