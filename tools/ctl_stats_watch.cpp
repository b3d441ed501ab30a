// xgslbctl stats --watch: the XDP counters as rates per second over each interval, like top.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "maps/pinned_maps.h"
#include "tools/ctl_commands.h"

namespace xgslb::ctl {

int watch_stats(const std::string& instance, bool as_json, double interval_s, unsigned count) {
    PinnedMaps maps(instance);
    const auto& names = counter_names();
    xgslb_stats before = read_stats(maps.fds().stats);
    auto last = std::chrono::steady_clock::now();
    for (unsigned i = 0; count == 0 || i < count; ++i) {
        std::this_thread::sleep_for(std::chrono::duration<double>(interval_s));
        const xgslb_stats after = read_stats(maps.fds().stats);
        const auto now = std::chrono::steady_clock::now();
        // The measured interval, not the asked one: sleeping overshoots under load.
        const double seconds = std::chrono::duration<double>(now - last).count();
        const auto* b = reinterpret_cast<const uint64_t*>(&before);
        const auto* a = reinterpret_cast<const uint64_t*>(&after);
        if (as_json) {
            nlohmann::json line = {{"instance", instance}, {"interval_s", seconds}};
            for (size_t c = 0; c < names.size(); ++c) {
                line["rates"][names[c]] = static_cast<double>(a[c] - b[c]) / seconds;
                line["totals"][names[c]] = a[c];
            }
            std::cout << line.dump() << std::endl;
        } else {
            std::printf("\n%s  instance %s, %.2f s\n%-22s %12s %16s\n", i == 0 ? "" : "----", instance.c_str(), seconds,
                        "counter", "per second", "total");
            for (size_t c = 0; c < names.size(); ++c)
                if (a[c] || c == 0)  // counters that never moved are noise
                    std::printf("%-22s %12.1f %16llu\n", names[c].c_str(), static_cast<double>(a[c] - b[c]) / seconds,
                                static_cast<unsigned long long>(a[c]));
            std::fflush(stdout);
        }
        before = after;
        last = now;
    }
    return 0;
}

}  // namespace xgslb::ctl
