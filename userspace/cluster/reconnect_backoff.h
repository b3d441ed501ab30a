// Exponential backoff with full jitter and a cap, for reconnecting to the API server: after an
// outage every daemon of a DaemonSet reconnects, and jitter keeps them from arriving together.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace xgslb {

class ReconnectBackoff {
public:
    ReconnectBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap)
        : initial_(initial), cap_(cap), ceiling_(initial), rng_(std::random_device{}()) {}

    // The next delay: uniform in [ceiling/2, ceiling], then the ceiling doubles up to the cap.
    // Half the ceiling at least, so a failing server is never hammered at the floor.
    std::chrono::milliseconds next() {
        const auto ceiling = ceiling_.count();
        std::uniform_int_distribution<long long> pick(ceiling / 2, ceiling);
        ceiling_ = std::min(cap_, ceiling_ * 2);
        return std::chrono::milliseconds(pick(rng_));
    }
    void reset() { ceiling_ = initial_; }
    std::chrono::milliseconds ceiling() const { return ceiling_; }

private:
    std::chrono::milliseconds initial_, cap_, ceiling_;
    std::mt19937_64 rng_;
};

}  // namespace xgslb
