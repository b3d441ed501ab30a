// What one slow-path worker answered: responses by transport and rcode, and how long answering
// took. Written by the worker's own thread only (a relaxed load + store, no locked instruction
// per query), read by the metrics scrape from another thread; snapshots of all workers are
// merged at scrape time.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "userspace/dns_answerer.h"

namespace xgslb {

class QueryStats {
public:
    // Upper bounds of the latency buckets, in nanoseconds: the Answerer takes about a
    // microsecond for a plain answer (bench/results/slow_path.md), a zone transfer much longer.
    static constexpr std::array<uint64_t, 10> kBoundsNs = {1000,   2500,    5000,    10000,   25000,
                                                           50000, 100000, 250000, 1000000, 10000000};
    static constexpr size_t kTransports = 2;  // Transport::udp, Transport::tcp
    static constexpr size_t kRcodes = 16;     // the header's 4-bit RCODE

    struct Snapshot {
        std::array<std::array<uint64_t, kRcodes>, kTransports> responses{};
        std::array<uint64_t, kBoundsNs.size() + 1> latency_buckets{};  // not cumulative
        uint64_t latency_sum_ns = 0;
        Snapshot& operator+=(const Snapshot& other);
    };

    // One answered query: `response` is the message sent (its RCODE is counted), `took` the time
    // the Answerer needed.
    void record(Transport transport, const uint8_t* response, size_t size, std::chrono::nanoseconds took) {
        const size_t t = transport == Transport::tcp ? 1 : 0;
        const size_t rcode = size >= 4 ? (response[3] & 0x0f) : 0;
        bump(responses_[t][rcode], 1);
        const auto ns = static_cast<uint64_t>(took.count() < 0 ? 0 : took.count());
        size_t bucket = 0;
        while (bucket < kBoundsNs.size() && ns > kBoundsNs[bucket]) ++bucket;
        bump(latency_buckets_[bucket], 1);
        bump(latency_sum_ns_, ns);
    }

    Snapshot snapshot() const;

private:
    static void bump(std::atomic<uint64_t>& c, uint64_t n) {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::array<std::array<std::atomic<uint64_t>, kRcodes>, kTransports> responses_{};
    std::array<std::atomic<uint64_t>, kBoundsNs.size() + 1> latency_buckets_{};
    std::atomic<uint64_t> latency_sum_ns_{0};
};

// "NOERROR", "NXDOMAIN", ... (RFC 6895 2.3), or the number for unassigned codes.
const char* rcode_name(unsigned rcode);

}  // namespace xgslb
