// One thread of the slow-path DNS server: its own io_uring, its own SO_REUSEPORT sockets (UDP
// and TCP for every listen address), its own TCP connections. Nothing is shared with the other
// workers but the Answerer (pure) and the ViewHolder (lock-free for readers).
//
// UDP: a multishot recvmsg per socket fills buffers from a provided-buffer ring; every query
// of a completion batch is answered at once and its sendmsg queued, and the whole batch of
// sends goes to the kernel with the next submit. Replies leave from the address the query came
// to (IP_PKTINFO / IPV6_PKTINFO on wildcard sockets). Kernels without multishot recvmsg or
// buffer rings get one plain recvmsg in flight per socket instead.
//
// TCP (RFC 7766): multishot accept; per connection one recv and one send in flight at most;
// length-prefixed messages reassembled across reads, pipelined queries answered in order,
// partial writes resumed; idle connections closed; past the connection limit a new connection
// is accepted and closed at once. A client that stops reading stops being read from.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "userspace/dns_answerer.h"
#include "userspace/query_stats.h"
#include "userspace/server_sockets.h"
#include "userspace/view_holder.h"

namespace xgslb {

struct ServerCounters {
    uint64_t udp_queries = 0;
    uint64_t udp_responses = 0;
    uint64_t tcp_queries = 0;
    uint64_t tcp_responses = 0;
    uint64_t dropped = 0;          // queries that got no response: the Answerer dropped them, no
                                   // receive buffer was free, an oversized datagram, a failed send
    uint64_t tcp_accepted = 0;     // connections taken on
    uint64_t tcp_refused = 0;      // closed at once: over the connection limit
    uint64_t tcp_open = 0;         // now
    uint64_t tcp_idle_closed = 0;  // closed by the idle timeout
    uint64_t errors = 0;           // unexpected I/O errors (logged)

    ServerCounters& operator+=(const ServerCounters& other);
};

struct ServerSettings {
    std::chrono::milliseconds tcp_idle_timeout{10000};
    uint32_t tcp_max_connections = 256;  // per worker
};

class ServerWorker {
public:
    // Sets up the ring and its buffers; throws xgslb::Error. The worker does nothing until run().
    ServerWorker(unsigned index, WorkerSockets sockets, const ServerSettings& settings, const Answerer& answerer,
                 const ViewHolder& view);
    ~ServerWorker();
    ServerWorker(const ServerWorker&) = delete;
    ServerWorker& operator=(const ServerWorker&) = delete;

    void run();           // the thread's body: serves until request_stop(), then cancels and reaps
    void request_stop();  // from any thread
    ServerCounters counters() const;  // from any thread
    QueryStats::Snapshot query_stats() const;  // from any thread

private:
    struct Loop;
    std::unique_ptr<Loop> loop_;
};

}  // namespace xgslb
