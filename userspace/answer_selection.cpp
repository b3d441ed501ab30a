#include "userspace/answer_selection.h"

#include <random>

#include "strategies/geo_regions.h"

namespace xgslb {

namespace {

// Per thread, as the XDP program's counter is per CPU: no contention, and every thread still
// walks every starting record.
thread_local uint32_t rotation = 0;

uint32_t random_below(uint32_t n) {
    thread_local std::minstd_rand rng{std::random_device{}()};
    return static_cast<uint32_t>(rng() % n);
}

void append_group(const RRset& set, const RRsetGroup& g, std::vector<const Rdata*>& out) {
    for (uint32_t i = g.first; i < g.first + g.count && i < set.rdata.size(); ++i) out.push_back(&set.rdata[i]);
}

// As store_weighted in bpf/strategy_select.h: draws without replacement, weight-0 groups last.
void append_weighted(const RRset& set, std::vector<const Rdata*>& out) {
    uint32_t remaining = 0;
    for (const auto& g : set.groups) remaining += g.weight;
    std::vector<bool> used(set.groups.size());
    for (size_t n = 0; n < set.groups.size(); ++n) {
        uint32_t draw = remaining ? random_below(remaining) : 0;
        size_t pick = set.groups.size();
        for (size_t i = 0; i < set.groups.size(); ++i) {
            if (used[i] || (remaining && set.groups[i].weight == 0)) continue;
            if (!remaining || draw < set.groups[i].weight) {
                pick = i;
                break;
            }
            draw -= set.groups[i].weight;
        }
        used[pick] = true;
        remaining -= set.groups[pick].weight;
        append_group(set, set.groups[pick], out);
    }
}

}  // namespace

uint8_t select_records(const RRset& set, const GeoRegions* geo, const GeoClient& client,
                       std::vector<const Rdata*>& out) {
    switch (set.selection) {
    case Selection::Rotate: {
        const size_t n = set.rdata.size();
        if (!n) return 0;
        const size_t start = rotation++ % n;
        for (size_t i = 0; i < n; ++i) out.push_back(&set.rdata[(start + i) % n]);
        return 0;
    }
    case Selection::Weighted: append_weighted(set, out); return 0;
    case Selection::Geo: {
        const GeoRegions::Match m =
            geo && client.family ? geo->lookup(client.family, client.addr.data(), client.source_len) : GeoRegions::Match{};
        const uint8_t scope = m.region ? m.prefix_len : static_cast<uint8_t>(client.source_len);
        if (m.region)
            for (const auto& g : set.groups)
                if (g.region == m.region) {
                    append_group(set, g, out);
                    return scope;
                }
        for (const Rdata& rd : set.rdata) out.push_back(&rd);
        return scope;
    }
    case Selection::Fixed: break;
    }
    for (const Rdata& rd : set.rdata) out.push_back(&rd);
    return 0;
}

}  // namespace xgslb
