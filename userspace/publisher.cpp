#include "userspace/publisher.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <thread>
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

// ---- the packed maps (names, rrsets): sorted arrays of packed values ------------------------

template <typename Entries>
using KeysOf = std::vector<typename Entries::key_type>;

// The published entries after a publish that stopped part-way: `put` (keys of `next`) and
// `erased` applied to `published`, nothing else.
template <typename Entries>
Entries merged(const Entries& published, const Entries& next, KeysOf<Entries> put, KeysOf<Entries> erased) {
    const auto less = Entries::less;
    std::sort(put.begin(), put.end(), less);
    std::sort(erased.begin(), erased.end(), less);
    auto in = [&](const KeysOf<Entries>& keys, const auto& k) { return std::binary_search(keys.begin(), keys.end(), k, less); };
    Entries out;
    size_t i = 0, j = 0;
    while (i < published.size() || j < put.size()) {
        const bool take_put = j < put.size() && (i == published.size() || !less(published.key(i), put[j]));
        if (take_put) {
            if (i < published.size() && !less(put[j], published.key(i))) ++i;  // replaced
            out.append_packed(put[j], next.packed(next.find(put[j])));
            ++j;
            continue;
        }
        if (!in(erased, published.key(i))) out.append_packed(published.key(i), published.packed(i));
        ++i;
    }
    return out;
}

// Writes next's entries `changed` (indices, in key order) in batches of kBatch: each batch's
// values expanded into a reused buffer (a full rrset is ~2 KB; the packed one tens of octets).
// Returns the keys applied; on a failure, rethrows after `applied` holds exactly those.
template <typename Entries, typename PutMany>
void put_batches(const Entries& next, std::span<const size_t> changed, KeysOf<Entries>& applied, PutMany& put_many,
                 const std::atomic<bool>& stop) {
    using Value = typename Entries::mapped_type;
    KeysOf<Entries> keys;
    std::vector<Value> values(std::min(kBatch, changed.size()));  // value-initialised: zero
    for (size_t from = 0; from < changed.size() && !stop.load(std::memory_order_relaxed); from += kBatch) {
        const size_t n = std::min(kBatch, changed.size() - from);
        keys.clear();
        for (size_t k = 0; k < n; ++k) {
            keys.push_back(next.key(changed[from + k]));
            Entries::packing_expand(next.packed(changed[from + k]), values[k]);
        }
        size_t done = n;
        std::exception_ptr failure;
        try {
            put_many(std::span<const typename Entries::key_type>(keys), std::span<const Value>(values.data(), n));
        } catch (const MapBatchError& e) {
            done = std::min(e.applied, n);
            failure = std::current_exception();
        }
        applied.insert(applied.end(), keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(done));
        for (size_t k = 0; k < n; ++k) Entries::packing_clear(next.packed(changed[from + k]), values[k]);
        if (failure) std::rethrow_exception(failure);
    }
}

// Puts for entries new or changed in `next`: both walked in key order side by side. With
// `two_threads` and more than one batch, the batches are shared by this thread and one more
// (the kernel's per-element work, a ~2 KB allocation and copy for an rrset, is most of a cold
// start's publish); the phase is over when both are done, so the phase order holds.
template <typename Entries, typename PutMany>
void put_changed_packed(const Entries& next, const Entries& published, KeysOf<Entries>& written,
                        PublishStats::Count& count, bool two_threads, PutMany put_many) {
    std::vector<size_t> changed;
    size_t j = 0;
    for (size_t i = 0; i < next.size(); ++i) {
        while (j < published.size() && Entries::less(published.key(j), next.key(i))) ++j;
        if (j < published.size() && !Entries::less(next.key(i), published.key(j)) && next.same_value(i, published, j))
            continue;
        changed.push_back(i);
    }
    std::atomic<bool> stop{false};
    const size_t before = written.size();
    if (!two_threads || changed.size() <= kBatch) {
        put_batches(next, std::span<const size_t>(changed), written, put_many, stop);
        count.puts += written.size() - before;
        return;
    }
    // The second thread takes the second half, whole batches.
    const size_t half = (changed.size() / kBatch + 1) / 2 * kBatch;
    const std::span<const size_t> all(changed);
    KeysOf<Entries> other_written;
    std::exception_ptr other_failure, failure;
    std::thread other([&] {
        try {
            put_batches(next, all.subspan(half), other_written, put_many, stop);
        } catch (...) {
            other_failure = std::current_exception();
            stop = true;
        }
    });
    try {
        put_batches(next, all.first(half), written, put_many, stop);
    } catch (...) {
        failure = std::current_exception();
        stop = true;
    }
    other.join();
    written.insert(written.end(), other_written.begin(), other_written.end());
    count.puts += written.size() - before;
    if (failure) std::rethrow_exception(failure);
    if (other_failure) std::rethrow_exception(other_failure);
}

// Erases for entries published but absent from `next`, in batches.
template <typename Entries, typename EraseMany>
void erase_missing_packed(const Entries& next, const Entries& published, KeysOf<Entries>& written,
                          PublishStats::Count& count, EraseMany erase_many) {
    KeysOf<Entries> keys;
    auto flush = [&] {
        if (keys.empty()) return;
        try {
            erase_many(std::span<const typename Entries::key_type>(keys));
        } catch (const MapBatchError& e) {
            record(written, keys, e.applied, count.erases);
            throw;
        }
        record(written, keys, keys.size(), count.erases);
        keys.clear();
    };
    size_t j = 0;
    for (size_t i = 0; i < published.size(); ++i) {
        while (j < next.size() && Entries::less(next.key(j), published.key(i))) ++j;
        if (j < next.size() && !Entries::less(published.key(i), next.key(j))) continue;  // still there
        keys.push_back(published.key(i));
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

namespace {

// The express table takes the sets just written to xgslb_rrsets (`keys`, values from `entries`,
// owner names from `names`, the same contents' xgslb_names entries: the table holds names).
void put_express(MapWriter& w, const RrsetEntries& entries, const NameEntries& names,
                 std::span<const xgslb_rrset_key> keys) {
    for (const auto& key : keys) {
        const size_t at = entries.find(key);
        const size_t name_at = names.find(xgslb_name_key{key.name_hash});
        if (at == RrsetEntries::npos || name_at == NameEntries::npos) continue;
        const xgslb_name name = names.value(name_at);
        w.put_express(key, entries.value(at), std::string_view(name.text, strnlen(name.text, sizeof name.text)));
    }
}

}  // namespace

void Publisher::adopt(MapContents current) {
    writer_.rebuild_express(current.rrsets, current.names);
    published_ = std::move(current);
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
    KeysOf<RrsetEntries> rrsets_put, rrsets_erased;
    KeysOf<NameEntries> names_put, names_erased;
    const bool two_threads = w.batches_may_run_concurrently();
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
        put_changed_packed(next.rrsets, p.rrsets, rrsets_put, s.rrsets, two_threads,
                           [&](const auto& k, const auto& v) { w.put_rrsets(k, v); });
        put_express(w, next.rrsets, next.names, rrsets_put);  // after xgslb_rrsets holds them
        put_changed_packed(next.names, p.names, names_put, s.names, two_threads,
                           [&](const auto& k, const auto& v) { w.put_names(k, v); });
        auto same_key = [](const xgslb_listen_key& a, const xgslb_listen_key& b) { return same_bytes(a, b); };
        if (!std::equal(next.listen.begin(), next.listen.end(), p.listen.begin(), p.listen.end(), same_key)) {
            w.put_listen(make_listen_set(next.listen));
            listen_written = true;
            ++s.listen.puts;
        }
        erase_missing_packed(next.names, p.names, names_erased, s.names, [&](const auto& k) { w.erase_names(k); });
        erase_missing_packed(next.rrsets, p.rrsets, rrsets_erased, s.rrsets, [&](const auto& k) {
            for (const auto& key : k) w.erase_express(key);  // before xgslb_rrsets loses them
            try {
                w.erase_rrsets(k);
            } catch (const MapBatchError& e) {
                // Those not erased stay published: back into the table (only speed was lost).
                put_express(w, p.rrsets, p.names, k.subspan(std::min(e.applied, k.size())));
                throw;
            }
        });
        erase_missing(next.zones, p.zones, zones, s.zones, [&](const auto& k) { w.erase_zones(k); });
        erase_missing(next.geo, p.geo, geo, s.geo, [&](const auto& k) {
            each(std::span(k), [&](size_t i) { w.erase_geo(k[i]); });
        });
    } catch (...) {
        // Sets written to xgslb_rrsets before the failure go to the table as well (again, if
        // they already did: a slot already equal is not rewritten), or it would keep their old
        // values until the next change of each.
        put_express(w, next.rrsets, next.names, rrsets_put);
        geo.apply_to(next.geo, p.geo);
        zones.apply_to(next.zones, p.zones);
        p.rrsets = merged(p.rrsets, next.rrsets, std::move(rrsets_put), std::move(rrsets_erased));
        p.names = merged(p.names, next.names, std::move(names_put), std::move(names_erased));
        if (listen_written) p.listen = next.listen;
        throw;
    }
    p = std::move(next);
    return s;
}

}  // namespace xgslb
