// The slow path's current ZoneView, swapped whole by the daemon's publish and read by every
// server worker. A reader never blocks a publish and never sees half of one: it takes its own
// reference to one immutable snapshot and answers from it, while the publish just replaces the
// pointer; the old snapshot lives until its last reader lets go.
//
// The shared pointer is behind std::atomic<std::shared_ptr> (libstdc++ guards it with a
// pointer-sized spin bit held for a refcount update). Workers do not touch it per query: each
// keeps a ViewReader that compares a version number (one relaxed-cost load of a line nobody
// writes between publishes) and reloads the pointer only after a publish.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "userspace/zone_view.h"

namespace xgslb {

class ViewHolder {
public:
    explicit ViewHolder(std::shared_ptr<const ZoneView> view) : view_(std::move(view)) {}

    void store(std::shared_ptr<const ZoneView> view) {
        view_.store(std::move(view), std::memory_order_release);
        // After the store: a reader that sees the new version loads the new (or a newer) view.
        version_.fetch_add(1, std::memory_order_release);
    }
    std::shared_ptr<const ZoneView> load() const { return view_.load(std::memory_order_acquire); }
    uint64_t version() const { return version_.load(std::memory_order_acquire); }

private:
    std::atomic<std::shared_ptr<const ZoneView>> view_;
    std::atomic<uint64_t> version_{0};
};

// One per worker thread: the snapshot that worker answers from, refreshed after a publish.
class ViewReader {
public:
    // The version is read before the view, as in current(), so a publish in between is not missed.
    explicit ViewReader(const ViewHolder& holder) : holder_(holder), seen_(holder.version()), view_(holder.load()) {}

    // The snapshot to answer one query from; the reference stays valid until the next call.
    const ZoneView& current() {
        const uint64_t version = holder_.version();
        if (version != seen_) {
            view_ = holder_.load();
            seen_ = version;
        }
        return *view_;
    }

private:
    const ViewHolder& holder_;
    uint64_t seen_;
    std::shared_ptr<const ZoneView> view_;
};

}  // namespace xgslb
