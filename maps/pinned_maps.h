// Typed access to the maps of an instance, by fd: the loaded program's own, or the ones pinned
// under /sys/fs/bpf/xgslb/<instance>/ (what xgslbctl and a restarted daemon read).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "maps/xgslb_abi.h"

namespace xgslb {

struct MapFds {
    int settings = -1, listen = -1, names = -1, rrsets = -1, zones = -1, stats = -1, scratch = -1, geo = -1, rotation = -1;
    int rrl_config = -1, rrl = -1, rrl_allow = -1;  // response rate limiting (bpf/rrl.h)
    int express = -1;  // the express table (xgslb_abi.h); -1 where not opened (PinnedMaps)
};

// Opens the pinned maps of an instance; closes them on destruction.
class PinnedMaps {
public:
    explicit PinnedMaps(const std::string& instance, const std::string& root = XGSLB_PIN_ROOT);
    ~PinnedMaps();
    PinnedMaps(const PinnedMaps&) = delete;
    PinnedMaps& operator=(const PinnedMaps&) = delete;
    const MapFds& fds() const { return fds_; }
    const std::string& dir() const { return dir_; }

    // The instances pinned under root (directory names).
    static std::vector<std::string> instances(const std::string& root = XGSLB_PIN_ROOT);

private:
    void close_all();
    std::string dir_;
    MapFds fds_;
};

// Per-CPU counters summed over CPUs.
xgslb_stats read_stats(int stats_map_fd);

// Counter names in ABI order, from the XGSLB_COUNTERS list.
const std::vector<std::string>& counter_names();

// Every entry of a hash map.
template <typename Key, typename Value>
std::vector<std::pair<Key, Value>> dump_map(int map_fd);

// The listen set the outer xgslb_listen map points to now; empty when none is published.
xgslb_listen_set read_listen_set(int listen_map_fd);

}  // namespace xgslb
