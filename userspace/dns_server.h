// The slow path's network face: an authoritative DNS server over UDP and TCP (RFC 7766) on the
// configured addresses, answering from the same ZoneView the XDP maps were built from, through
// the Answerer. Worker threads each own an io_uring and SO_REUSEPORT sockets (server_worker.h).
//
//   DnsServer server(options, view);   // binds and starts; throws xgslb::Error
//   server.publish(next_view);         // after the maps got the same view
//   server.stop();                     // or the destructor
#pragma once

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "userspace/config.h"
#include "userspace/dns_answerer.h"
#include "userspace/server_worker.h"
#include "userspace/view_holder.h"
#include "userspace/zone_view.h"

namespace xgslb {

struct DnsServerOptions {
    std::vector<SocketAddress> listen;  // port 0: one free port per address (tests; see bound())
    unsigned workers = 0;               // 0: one per CPU
    ServerSettings settings;
    AnswererSettings answerer;

    // dns.* of the config; the cookie secret is fresh random (server cookies then change across
    // restarts, which RFC 9018 allows: a client with an old one just gets a new one).
    static DnsServerOptions from(const DnsConfig& dns);
};

class DnsServer {
public:
    // Binds every socket and starts the workers; nothing is left running when it throws.
    DnsServer(DnsServerOptions options, std::shared_ptr<const ZoneView> view);
    ~DnsServer();  // stop()
    DnsServer(const DnsServer&) = delete;
    DnsServer& operator=(const DnsServer&) = delete;

    // Queries from now on are answered from `view`; the ones being answered finish with theirs.
    void publish(std::shared_ptr<const ZoneView> view) { view_.store(std::move(view)); }
    // Tells every worker to stop and joins them. Idempotent.
    void stop();

    // The addresses as bound (the picked port where options.listen said 0).
    const std::vector<SocketAddress>& bound() const { return bound_; }
    unsigned workers() const { return static_cast<unsigned>(workers_.size()); }
    std::vector<ServerCounters> counters() const;  // one per worker
    ServerCounters total() const;
    QueryStats::Snapshot query_stats() const;  // every worker's, merged

private:
    DnsServerOptions options_;
    Answerer answerer_;
    ViewHolder view_;
    std::vector<SocketAddress> bound_;
    std::vector<std::unique_ptr<ServerWorker>> workers_;
    std::vector<std::thread> threads_;
};

}  // namespace xgslb
