// Keeps the gslb zone's delegation at the edge DNS (userspace/edge/delegation.h) while this
// daemon is the cluster's leader: every check interval it reads what the edge serves (NS at the
// zone, A/AAAA at our NS name), and only when that differs from what it should be sends one
// TSIG-signed RFC 2136 UPDATE, to the first edge server that answers. Failures are retried with
// jittered exponential backoff; each error is logged once, when the state changes, not every
// retry. Its own thread; stopping returns within about 50 ms.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "userspace/config.h"
#include "userspace/edge/delegation.h"
#include "userspace/zone_transfer.h"

namespace xgslb {

struct EdgeUpdaterOptions {
    DelegationNames names;
    Delegation wanted;  // normalised
    TsigKey key;
    std::vector<SocketAddress> edge_servers;
    std::chrono::milliseconds check_interval{1000}, timeout{300};
    std::chrono::milliseconds max_backoff{30000};

    static EdgeUpdaterOptions from(const Config& config);  // config.gslb->edge_update must be set
};

class EdgeUpdater {
public:
    explicit EdgeUpdater(EdgeUpdaterOptions options);
    ~EdgeUpdater();
    EdgeUpdater(const EdgeUpdater&) = delete;
    EdgeUpdater& operator=(const EdgeUpdater&) = delete;

    // Only the leader writes (one writer per cluster); a follower's thread just waits.
    void set_leader(bool leader);

private:
    void run();
    // One check: "" when the edge holds what it should (now, or after our update), else why not.
    std::string check_and_update();
    std::optional<Delegation> read_edge(const SocketAddress& edge, std::string& error);
    void report(const std::string& state);

    const EdgeUpdaterOptions options_;
    std::string last_state_ = "(none)";  // what was logged last; the thread's alone
    std::mutex mutex_;
    std::condition_variable wake_;
    bool leader_ = false;  // guarded by mutex_
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace xgslb
