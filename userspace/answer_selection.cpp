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

// As select_weighted/store_weighted in bpf/strategy_select.h: the first group drawn with
// probability weight / total among the positive-weight groups (published first), the others
// following by wrapping around, then the weight-0 groups.
void append_weighted(const RRset& set, std::vector<const Rdata*>& out) {
    uint32_t total = 0;
    size_t positive = 0;
    for (const auto& g : set.groups) {
        if (!g.weight) break;
        total += g.weight;
        ++positive;
    }
    size_t first = 0;
    if (total) {
        uint32_t draw = random_below(total);
        while (draw >= set.groups[first].weight) draw -= set.groups[first++].weight;
    }
    for (size_t i = 0; i < positive; ++i) append_group(set, set.groups[(first + i) % positive], out);
    for (size_t i = positive; i < set.groups.size(); ++i) append_group(set, set.groups[i], out);
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
