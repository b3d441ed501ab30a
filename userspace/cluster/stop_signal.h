// A stop request that interrupts waits: the source's threads sleep through it (backoff, lease
// renewal, debounce) so stop() returns at once instead of after the longest sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace xgslb {

class StopSignal {
public:
    void request() {
        {
            std::lock_guard lock(mutex_);
            stopped_ = true;
        }
        cv_.notify_all();
    }
    bool requested() const { return stopped_.load(); }
    const std::atomic<bool>& flag() const { return stopped_; }

    // Sleeps for d; false when woken by a stop request.
    template <class Duration>
    bool sleep_for(Duration d) {
        std::unique_lock lock(mutex_);
        return !cv_.wait_for(lock, d, [&] { return stopped_.load(); });
    }

private:
    std::atomic<bool> stopped_{false};
    std::mutex mutex_;
    std::condition_variable cv_;
};

}  // namespace xgslb
