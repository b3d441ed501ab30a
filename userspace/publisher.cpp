#include "userspace/publisher.h"

#include <algorithm>
#include <vector>

namespace xgslb {

namespace {

// Puts for entries new or changed in `next`, recorded in `published` as each write succeeds.
template <typename Map, typename Put>
void put_changed(const Map& next, Map& published, PublishStats::Count& count, Put put) {
    for (const auto& [key, value] : next) {
        auto it = published.find(key);
        if (it != published.end() && same_bytes(it->second, value)) continue;
        put(key, value);
        published.insert_or_assign(key, value);
        ++count.puts;
    }
}

// Erases for entries published but absent from `next`.
template <typename Map, typename Erase>
void erase_missing(const Map& next, Map& published, PublishStats::Count& count, Erase erase) {
    std::vector<typename Map::key_type> gone;
    for (const auto& [key, value] : published)
        if (!next.count(key)) gone.push_back(key);
    for (const auto& key : gone) {
        erase(key);
        published.erase(key);
        ++count.erases;
    }
}

}  // namespace

size_t PublishStats::writes() const {
    size_t n = 0;
    for (const Count* c : {&zones, &rrsets, &names, &listen, &geo}) n += c->puts + c->erases;
    return n;
}

PublishStats Publisher::publish(const MapContents& next) {
    PublishStats s;
    MapWriter& w = writer_;
    MapContents& p = published_;
    // A name refers to its zone and, through its hash, to its rrsets; the listen set makes the
    // program answer at all. So referents appear first and disappear last.
    // Regions first: a Geo set published before its prefixes would answer "all" for a moment.
    put_changed(next.geo, p.geo, s.geo, [&](auto& k, auto& v) { w.put_geo(k, v); });
    put_changed(next.zones, p.zones, s.zones, [&](auto& k, auto& v) { w.put_zone(k, v); });
    put_changed(next.rrsets, p.rrsets, s.rrsets, [&](auto& k, auto& v) { w.put_rrset(k, v); });
    put_changed(next.names, p.names, s.names, [&](auto& k, auto& v) { w.put_name(k, v); });
    auto same_key = [](const xgslb_listen_key& a, const xgslb_listen_key& b) { return same_bytes(a, b); };
    if (!std::equal(next.listen.begin(), next.listen.end(), p.listen.begin(), p.listen.end(), same_key)) {
        w.put_listen(make_listen_set(next.listen));
        p.listen = next.listen;
        ++s.listen.puts;
    }
    erase_missing(next.names, p.names, s.names, [&](auto& k) { w.erase_name(k); });
    erase_missing(next.rrsets, p.rrsets, s.rrsets, [&](auto& k) { w.erase_rrset(k); });
    erase_missing(next.zones, p.zones, s.zones, [&](auto& k) { w.erase_zone(k); });
    erase_missing(next.geo, p.geo, s.geo, [&](auto& k) { w.erase_geo(k); });
    return s;
}

}  // namespace xgslb
