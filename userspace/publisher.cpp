#include "userspace/publisher.h"

#include <algorithm>
#include <vector>

namespace xgslb {

namespace {

// Entries per batch call: large enough that the syscalls cost nothing next to the kernel's work,
// small enough that the copy of the values (~2 KB per rrset) stays a few MB.
constexpr size_t kBatch = 4096;

// What one map's part of a publish has written so far. Applied to the published copy only when
// a write fails; when all succeed, the published copy simply becomes `next`.
template <typename Map>
struct Written {
    std::vector<typename Map::key_type> put, erased;

    void apply_to(const Map& next, Map& published) const {
        for (const auto& k : put) published.insert_or_assign(k, next.at(k));
        for (const auto& k : erased) published.erase(k);
    }
};

template <typename Key>
void record(std::vector<Key>& into, const std::vector<Key>& keys, size_t applied, size_t& count) {
    applied = std::min(applied, keys.size());
    into.insert(into.end(), keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(applied));
    count += applied;
}

// Puts for entries new or changed in `next`, in batches. Both maps are walked in their common
// order side by side: one comparison per step instead of a lookup per entry.
template <typename Map, typename PutMany>
void put_changed(const Map& next, const Map& published, Written<Map>& written, PublishStats::Count& count,
                 PutMany put_many) {
    std::vector<typename Map::key_type> keys;
    std::vector<typename Map::mapped_type> values;
    auto flush = [&] {
        if (keys.empty()) return;
        try {
            put_many(keys, values);
        } catch (const MapBatchError& e) {
            record(written.put, keys, e.applied, count.puts);
            throw;
        }
        record(written.put, keys, keys.size(), count.puts);
        keys.clear();
        values.clear();
    };
    const auto less = published.key_comp();
    auto it = published.begin();
    for (const auto& [key, value] : next) {
        while (it != published.end() && less(it->first, key)) ++it;
        if (it != published.end() && !less(key, it->first) && same_bytes(it->second, value)) continue;
        keys.push_back(key);
        values.push_back(value);
        if (keys.size() == kBatch) flush();
    }
    flush();
}

// Erases for entries published but absent from `next`, in batches.
template <typename Map, typename EraseMany>
void erase_missing(const Map& next, const Map& published, Written<Map>& written, PublishStats::Count& count,
                   EraseMany erase_many) {
    std::vector<typename Map::key_type> keys;
    auto flush = [&] {
        if (keys.empty()) return;
        try {
            erase_many(keys);
        } catch (const MapBatchError& e) {
            record(written.erased, keys, e.applied, count.erases);
            throw;
        }
        record(written.erased, keys, keys.size(), count.erases);
        keys.clear();
    };
    const auto less = next.key_comp();
    auto it = next.begin();
    for (const auto& [key, value] : published) {
        while (it != next.end() && less(it->first, key)) ++it;
        if (it != next.end() && !less(key, it->first)) continue;  // still there
        keys.push_back(key);
        if (keys.size() == kBatch) flush();
    }
    flush();
}

// One write at a time, reported as a batch that stopped at the one that failed.
template <typename Key, typename Write>
void each(std::span<const Key> keys, Write write) {
    for (size_t i = 0; i < keys.size(); ++i) {
        try {
            write(i);
        } catch (const MapBatchError&) {
            throw;
        } catch (const Error& e) {
            throw MapBatchError(e.what(), i);
        }
    }
}

}  // namespace

void MapWriter::put_zones(std::span<const uint32_t> ids, std::span<const xgslb_zone> values) {
    each(ids, [&](size_t i) { put_zone(ids[i], values[i]); });
}
void MapWriter::put_rrsets(std::span<const xgslb_rrset_key> keys, std::span<const xgslb_rrset> values) {
    each(keys, [&](size_t i) { put_rrset(keys[i], values[i]); });
}
void MapWriter::put_names(std::span<const xgslb_name_key> keys, std::span<const xgslb_name> values) {
    each(keys, [&](size_t i) { put_name(keys[i], values[i]); });
}
void MapWriter::erase_zones(std::span<const uint32_t> ids) {
    each(ids, [&](size_t i) { erase_zone(ids[i]); });
}
void MapWriter::erase_rrsets(std::span<const xgslb_rrset_key> keys) {
    each(keys, [&](size_t i) { erase_rrset(keys[i]); });
}
void MapWriter::erase_names(std::span<const xgslb_name_key> keys) {
    each(keys, [&](size_t i) { erase_name(keys[i]); });
}

size_t PublishStats::writes() const {
    size_t n = 0;
    for (const Count* c : {&zones, &rrsets, &names, &listen, &geo}) n += c->puts + c->erases;
    return n;
}

PublishStats Publisher::publish(MapContents&& next) {
    PublishStats s;
    MapWriter& w = writer_;
    MapContents& p = published_;
    Written<decltype(p.geo)> geo;
    Written<decltype(p.zones)> zones;
    Written<decltype(p.rrsets)> rrsets;
    Written<decltype(p.names)> names;
    bool listen_written = false;
    try {
        // A name refers to its zone and, through its hash, to its rrsets; the listen set makes
        // the program answer at all. So referents appear first and disappear last; each phase's
        // batches are done before the next phase starts.
        // Regions first: a Geo set published before its prefixes would answer "all" for a moment.
        // The trie has no batch operations; regions change rarely.
        put_changed(next.geo, p.geo, geo, s.geo, [&](const auto& k, const auto& v) {
            each(std::span(k), [&](size_t i) { w.put_geo(k[i], v[i]); });
        });
        put_changed(next.zones, p.zones, zones, s.zones, [&](const auto& k, const auto& v) { w.put_zones(k, v); });
        put_changed(next.rrsets, p.rrsets, rrsets, s.rrsets, [&](const auto& k, const auto& v) { w.put_rrsets(k, v); });
        put_changed(next.names, p.names, names, s.names, [&](const auto& k, const auto& v) { w.put_names(k, v); });
        auto same_key = [](const xgslb_listen_key& a, const xgslb_listen_key& b) { return same_bytes(a, b); };
        if (!std::equal(next.listen.begin(), next.listen.end(), p.listen.begin(), p.listen.end(), same_key)) {
            w.put_listen(make_listen_set(next.listen));
            listen_written = true;
            ++s.listen.puts;
        }
        erase_missing(next.names, p.names, names, s.names, [&](const auto& k) { w.erase_names(k); });
        erase_missing(next.rrsets, p.rrsets, rrsets, s.rrsets, [&](const auto& k) { w.erase_rrsets(k); });
        erase_missing(next.zones, p.zones, zones, s.zones, [&](const auto& k) { w.erase_zones(k); });
        erase_missing(next.geo, p.geo, geo, s.geo, [&](const auto& k) {
            each(std::span(k), [&](size_t i) { w.erase_geo(k[i]); });
        });
    } catch (...) {
        geo.apply_to(next.geo, p.geo);
        zones.apply_to(next.zones, p.zones);
        rrsets.apply_to(next.rrsets, p.rrsets);
        names.apply_to(next.names, p.names);
        if (listen_written) p.listen = next.listen;
        throw;
    }
    p = std::move(next);
    return s;
}

}  // namespace xgslb
