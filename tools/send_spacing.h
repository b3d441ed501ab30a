// How evenly xdp_dns_loadgen spread its queries in time, from its own send times (the moment
// its program wrote each frame, bpf/xdp_dns_loadgen.h's loadgen_send_time): the most frames in
// any 10 µs slot, and gap percentiles. A responder's 256-frame veth ring overflows on bursts,
// not on the mean rate, so this is what tells a paced run from a bursty one at the same rate.
// Header-only: tools/xdp_dns_loadgen.cpp and tests/unit/send_spacing_test.cpp use it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace xgslb::loadgen {

struct SendSpacing {
    uint64_t frames = 0;
    uint64_t slot_max = 0;         // most frames whose send times fall into one SLOT_NS-aligned slot
    double slot_p999 = 0;          // 99.9th percentile of frames per slot, over slots that hold any
    uint64_t burst_limit = 0;      // a slot with more frames than this is a burst: max(4, 2 x the mean)
    double burst_pct = 0;          // % of the frames that were sent in bursts
    uint64_t gap_p1_ns = 0, gap_p50_ns = 0, gap_p99_ns = 0;  // between consecutive frames
};

inline constexpr uint64_t kSpacingSlotNs = 10000;  // 10 µs: 4 frames at 400k q/s when evenly spread

// `sent_ns`: send times in any order (sorted here); zeros (never used) are ignored. `rate`: the
// offered frames per second, for the mean per slot (evenly spread, every slot would hold it).
inline SendSpacing send_spacing(std::vector<uint64_t> sent_ns, uint64_t rate, uint64_t slot_ns = kSpacingSlotNs) {
    std::erase(sent_ns, 0u);
    std::sort(sent_ns.begin(), sent_ns.end());
    SendSpacing s;
    s.frames = sent_ns.size();
    if (sent_ns.empty()) return s;
    std::vector<uint64_t> per_slot;
    uint64_t slot = sent_ns.front() / slot_ns, in_slot = 0;
    for (uint64_t t : sent_ns) {
        if (t / slot_ns != slot) {
            per_slot.push_back(in_slot);
            slot = t / slot_ns;
            in_slot = 0;
        }
        ++in_slot;
    }
    per_slot.push_back(in_slot);
    s.burst_limit = std::max<uint64_t>(4, 2 * rate * slot_ns / 1000000000ull);
    uint64_t in_bursts = 0;
    for (uint64_t n : per_slot)
        if (n > s.burst_limit) in_bursts += n;
    s.burst_pct = 100.0 * double(in_bursts) / double(s.frames);
    std::sort(per_slot.begin(), per_slot.end());
    s.slot_max = per_slot.back();
    s.slot_p999 = double(per_slot[std::min(per_slot.size() - 1, size_t(double(per_slot.size()) * 0.999))]);
    if (sent_ns.size() > 1) {
        std::vector<uint64_t> gaps(sent_ns.size() - 1);
        for (size_t i = 1; i < sent_ns.size(); ++i) gaps[i - 1] = sent_ns[i] - sent_ns[i - 1];
        std::sort(gaps.begin(), gaps.end());
        const auto at = [&](double p) { return gaps[std::min(gaps.size() - 1, size_t(double(gaps.size()) * p))]; };
        s.gap_p1_ns = at(0.01);
        s.gap_p50_ns = at(0.5);
        s.gap_p99_ns = at(0.99);
    }
    return s;
}

}  // namespace xgslb::loadgen
