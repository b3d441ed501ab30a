// Publisher: brings the BPF maps from what was published last to the next MapContents, writing
// only differences, in an order where the XDP program never follows a reference to an entry
// that is not there yet (or any more): puts zones -> rrsets -> names, then the listen set (one
// write, which enables new addresses after their data and disables removed ones before any
// erase), then erases names -> rrsets -> zones (Knot's publish-then-enable, disable-then-remove).
//
// The express table (userspace/express_table.h), a copy of small sets in front of xgslb_rrsets,
// follows xgslb_rrsets: a set added or changed goes into xgslb_rrsets first, then into the table
// (right after the rrsets phase, before the names); a set removed leaves the table first, then
// xgslb_rrsets (in the rrsets erase phase, batch by batch). The program answers a table hit
// without reading any other map, exactly as it answers an xgslb_rrsets hit (answer_query looks
// at rrsets before names), so at every moment a hit gives the set's old value or its new one,
// which is what an xgslb_rrsets hit would give during the same publish: the table never answers
// what neither the old nor the new published state would, whatever the names and zones phases
// are doing. A slot the table lacks (or that is torn, or cleared) falls back to xgslb_rrsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "userspace/error.h"
#include "userspace/map_contents.h"

namespace xgslb {

// A batch of writes to one map stopped part-way: the first `applied` took effect, the rest not.
struct MapBatchError : Error {
    MapBatchError(const std::string& message, size_t applied) : Error(message), applied(applied) {}
    size_t applied;
};

// The maps as seen by the publisher. The real one writes pinned BPF maps
// (maps/bpf_map_writer.cpp); tests record calls. Every method throws xgslb::Error on failure.
class MapWriter {
public:
    virtual ~MapWriter() = default;
    virtual void put_zone(uint32_t id, const xgslb_zone& value) = 0;
    virtual void erase_zone(uint32_t id) = 0;
    virtual void put_rrset(const xgslb_rrset_key& key, const xgslb_rrset& value) = 0;
    virtual void erase_rrset(const xgslb_rrset_key& key) = 0;
    virtual void put_name(const xgslb_name_key& key, const xgslb_name& value) = 0;
    virtual void erase_name(const xgslb_name_key& key) = 0;
    // Replaces the whole listen set at once (an empty set answers nothing).
    virtual void put_listen(const xgslb_listen_set& set) = 0;
    virtual void put_geo(const xgslb_geo_key& key, const xgslb_geo_region& value) = 0;
    virtual void erase_geo(const xgslb_geo_key& key) = 0;

    // Many writes to one map at once (keys[i] gets values[i]), in no particular order among
    // themselves: the real writer makes them a few BPF_MAP_*_BATCH syscalls instead of one
    // syscall each, which is most of a cold start's cost. These defaults write one by one.
    // Throw MapBatchError saying how many (a prefix) were applied.
    virtual void put_zones(std::span<const uint32_t> ids, std::span<const xgslb_zone> values);
    virtual void put_rrsets(std::span<const xgslb_rrset_key> keys, std::span<const xgslb_rrset> values);
    virtual void put_names(std::span<const xgslb_name_key> keys, std::span<const xgslb_name> values);
    virtual void erase_zones(std::span<const uint32_t> ids);
    virtual void erase_rrsets(std::span<const xgslb_rrset_key> keys);
    virtual void erase_names(std::span<const xgslb_name_key> keys);

    // Whether two threads may call the batch methods at once for disjoint keys of one map (the
    // kernel's hash maps lock per bucket). The publisher then shares a large phase's batches
    // between two threads; a phase still ends before the next begins.
    virtual bool batches_may_run_concurrently() const { return false; }

    // The express table, an optional accelerator (writers without one ignore these). put: the
    // set `key` of the name `owner` (presentation form, as its xgslb_names entry's text) now has
    // `value` in xgslb_rrsets; erase: it is about to leave xgslb_rrsets; rebuild: make the table
    // match these sets, owners from `names` (a daemon adopting pinned maps). Never throw.
    virtual void put_express(const xgslb_rrset_key& /*key*/, const xgslb_rrset& /*value*/, std::string_view /*owner*/) {}
    virtual void erase_express(const xgslb_rrset_key& /*key*/) {}
    virtual void rebuild_express(const RrsetEntries& /*rrsets*/, const NameEntries& /*names*/) {}
};

struct PublishStats {
    struct Count {
        size_t puts = 0;
        size_t erases = 0;
        friend bool operator==(const Count&, const Count&) = default;
    };
    Count zones, rrsets, names, listen, geo;  // listen: one put per change of the set

    size_t writes() const;  // all puts and erases together
};

class Publisher {
public:
    explicit Publisher(MapWriter& writer) : writer_(writer) {}

    // On an exception the maps hold a consistent mix of old and new entries, and what was
    // written is remembered, so the next publish() finishes the job. Passing `next` by rvalue
    // lets the publisher keep it as what is published instead of a copy (at 100k hosts the
    // rrset values alone are ~400 MB).
    PublishStats publish(MapContents&& next);
    PublishStats publish(const MapContents& next) { return publish(MapContents(next)); }

    // Start from what the maps already hold (a restarted daemon read them back), so the first
    // publish writes only differences and erases leftovers.
    // The express table is rebuilt from them too (it may be stale after a crash, or new).
    void adopt(MapContents current);

    const MapContents& published() const { return published_; }

private:
    MapWriter& writer_;
    MapContents published_;
};

}  // namespace xgslb
