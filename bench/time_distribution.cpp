#include "bench/time_distribution.h"

#include <algorithm>
#include <numeric>

namespace xgslb::bench {

Distribution Distribution::of(std::vector<uint32_t> samples) {
    Distribution d;
    if (samples.empty()) return d;
    std::sort(samples.begin(), samples.end());
    auto rank = [&](double q) { return static_cast<size_t>(q * static_cast<double>(samples.size() - 1)); };
    d.median = samples[rank(0.5)];
    d.p10 = samples[rank(0.1)];
    d.p90 = samples[rank(0.9)];
    const size_t kept = rank(0.99) + 1;
    d.mean = static_cast<double>(std::accumulate(samples.begin(), samples.begin() + static_cast<long>(kept), uint64_t{0})) /
             static_cast<double>(kept);
    return d;
}

}  // namespace xgslb::bench
