#include "userspace/query_stats.h"

namespace xgslb {

QueryStats::Snapshot& QueryStats::Snapshot::operator+=(const Snapshot& other) {
    for (size_t t = 0; t < kTransports; ++t)
        for (size_t r = 0; r < kRcodes; ++r) responses[t][r] += other.responses[t][r];
    for (size_t b = 0; b < latency_buckets.size(); ++b) latency_buckets[b] += other.latency_buckets[b];
    latency_sum_ns += other.latency_sum_ns;
    return *this;
}

QueryStats::Snapshot QueryStats::snapshot() const {
    Snapshot s;
    for (size_t t = 0; t < kTransports; ++t)
        for (size_t r = 0; r < kRcodes; ++r) s.responses[t][r] = responses_[t][r].load(std::memory_order_relaxed);
    for (size_t b = 0; b < s.latency_buckets.size(); ++b)
        s.latency_buckets[b] = latency_buckets_[b].load(std::memory_order_relaxed);
    s.latency_sum_ns = latency_sum_ns_.load(std::memory_order_relaxed);
    return s;
}

const char* rcode_name(unsigned rcode) {
    static const char* const names[16] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                          "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
                                          "12", "13", "14", "15"};
    return rcode < 16 ? names[rcode] : "unknown";
}

}  // namespace xgslb
