// Learns the other clusters' healthy targets the k8gb way: for every other geo tag, resolve that
// cluster's NS name (gslb-ns-<tag>-...) at the edge DNS servers, then ask the cluster itself for
// localtargets-<host> A and AAAA for every GSLB host. k8gb does the same in
// controllers/providers/assistant/gslb.go (GetExternalTargets: an A query for
// "localtargets-<host>." at each external cluster's NS name, answers taken from the answer
// section), once per reconcile (30 s); here every poll interval, and AAAA too.
//
// A peer that answers (any rcode) is reachable; NXDOMAIN or NODATA for a host means it has no
// healthy targets for it (an empty TargetSet). A peer that has not answered for dropAfter is
// dropped (absent from the result): the strategies then treat it as down. Results are handed to
// the callback, on the poller's own thread, only when they differ from the last ones.
// A peer that stops answering usefully (silent, refusing, or sending garbage: wrong IDs, malformed
// or truncated messages) is logged once with the reason, and once when it answers again; until
// dropAfter its last targets keep being served.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "userspace/config.h"
#include "userspace/gslb_model.h"

namespace xgslb {

struct PeerPollerOptions {
    std::map<std::string, std::string> peers;  // geo tag -> its NS name, every cluster but ours
    std::string zone;                          // probed (SOA) when there are no hosts to ask about
    std::vector<SocketAddress> edge_servers;
    uint16_t peer_port = 53;                   // k8gb's clusters answer on 53
    std::chrono::milliseconds poll_interval{1000}, timeout{300}, drop_after{5000};

    static PeerPollerOptions from(const Config& config);  // config.gslb must be set
};

class PeerPoller {
public:
    using Callback = std::function<void(std::vector<PeerTargets>)>;

    PeerPoller(PeerPollerOptions options, Callback on_change);
    ~PeerPoller();  // stops the thread; returns within about 50 ms plus a callback in progress
    PeerPoller(const PeerPoller&) = delete;
    PeerPoller& operator=(const PeerPoller&) = delete;

    // The hosts to ask every peer about (GslbHost::name form); takes effect at the next round.
    void set_hosts(std::vector<std::string> hosts);

private:
    struct Peer {
        std::string ns_name;
        std::vector<SocketAddress> addresses;  // last resolved at the edge; kept when the edge is down
        std::map<std::string, TargetSet> hosts;
        std::chrono::steady_clock::time_point last_answer{};
        bool present = false;
        std::string error;     // why the last round got no usable answer
        bool failing = false;  // that was logged; cleared (and logged) when it answers again
    };

    void run();
    void poll_round(const std::vector<std::string>& hosts);
    void resolve(const std::string& tag, Peer& peer);
    bool ask(const std::string& tag, Peer& peer, const std::vector<std::string>& hosts);
    void expire(const std::string& tag, Peer& peer, std::chrono::steady_clock::time_point now);
    std::vector<PeerTargets> result(const std::vector<std::string>& hosts) const;

    const PeerPollerOptions options_;
    const Callback on_change_;
    std::map<std::string, Peer> peers_;  // the poller thread's alone
    size_t preferred_edge_ = 0;          // the edge server that answered last is asked first
    std::optional<std::vector<PeerTargets>> delivered_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<std::string> hosts_;  // guarded by mutex_
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// "us{app.cloud.example.com: 172.19.0.3 2001:db8:2::3; other.cloud.example.com: -}" per peer,
// "" for none: for logs and tests.
std::string describe(const std::vector<PeerTargets>& peers);

}  // namespace xgslb
