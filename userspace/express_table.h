// The writer of the express table (xgslb_express, maps/xgslb_abi.h): the small Fixed and Rotate
// A/AAAA sets of xgslb_rrsets, copied into slots the XDP program finds with two inlined array
// lookups. xgslb_rrsets stays the complete truth: a set the table lacks (too big, another
// strategy, both of its slots taken, torn while read) is answered from there, so any slot may
// be cleared at any moment. The publisher keeps the table in step (userspace/publisher.h says in
// which order); a daemon that starts on pinned maps rebuilds it from what they hold.
//
// A slot holds its set's owner name (lowercased wire form, with the compare masks the program
// uses; names over XGSLB_EXPRESS_NAME_MAX octets are not taken). A set sits in its home slot
// (maps/express_slot_index.h, a fold of that name, seeded from the instance's hash seeds) or,
// while that holds another set, in the next one; the program stops at an empty home slot, so a
// miss usually costs one probe. The program never hashes a name found here, so the writer
// proves each name against its key (the two-lane hash of the name must be the set's key and
// check) before it writes it: a table entry can only ever carry the set xgslb_rrsets has for
// exactly that name.
//
// Slots are written in place, as a seqlock: the sequence is made odd, the slot written, the
// sequence made even (release ordering), so the program, which reads the sequence before and
// after copying a slot, never answers from a slot half written. One writer at a time (the
// publisher's thread); the memory is the map's, mmap'ed (maps/express_map.h), or any array in
// tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>

#include "maps/xgslb_abi.h"
#include "userspace/map_contents.h"

namespace xgslb {

class ExpressTable {
public:
    // `slots`: a power of two of them, >= 2 (anything else is a table that holds nothing).
    // `seed`: the instance's name-hash seeds (xgslb_settings.hash_seed), which key both the
    // slot index and the proof of each name.
    ExpressTable(std::span<xgslb_express_slot> slots, const uint64_t seed[2]);

    // The slot a set would have, or nothing when the table does not take it (not A/AAAA,
    // Weighted or Geo, no records, more than XGSLB_EXPRESS_MAX_A / _AAAA records, an owner
    // longer than XGSLB_EXPRESS_NAME_MAX octets, or `owner` (presentation form, as
    // xgslb_name.text holds it) not a name whose hash is the set's key and check).
    std::optional<xgslb_express_slot> slot_for(const xgslb_rrset_key& key, const xgslb_rrset& value,
                                               std::string_view owner) const;

    // The set `key` of the name `owner` now has `value` in xgslb_rrsets (already written there):
    // the table takes it if it can, or forgets the key if it can no longer hold it.
    void put(const xgslb_rrset_key& key, const xgslb_rrset& value, std::string_view owner);
    // The set is about to leave xgslb_rrsets (or its table copy must go): cleared from the table.
    void erase(const xgslb_rrset_key& key);
    // Brings the table in line with everything xgslb_rrsets holds (owners from `names`): slots
    // whose content is not exactly what they say are cleared, then every set that fits and is
    // missing is placed.
    void rebuild(const RrsetEntries& rrsets, const NameEntries& names);

    // Writes one slot as a seqlock writer (a zeroed `value` empties it; its sequence is ignored).
    void write_slot(size_t index, const xgslb_express_slot& value);

    size_t size() const { return slots_.size(); }
    size_t used() const { return used_; }          // slots holding a set
    size_t unplaced() const { return unplaced_; }  // puts that found both slots taken, so far
    // The slot holding `key`, if any.
    std::optional<size_t> find(const xgslb_rrset_key& key) const;

    // The home slot of the set a slot holds (from its name and type).
    uint32_t home_of(const xgslb_express_slot& slot) const;

private:
    // Where each key's set is (slot + 1 per type, 0: none): erase knows only the key, and the
    // slot index comes from the name, so the writer remembers. Built from the slots at start
    // (a pinned table), kept by write_slot.
    struct Placed {
        uint32_t a = 0, aaaa = 0;
    };
    bool enabled() const { return slots_.size() >= 2; }
    void place(const xgslb_rrset_key& key, const xgslb_express_slot& value);
    void settle(size_t freed);
    void forget(const xgslb_express_slot& slot, size_t index);
    void remember(const xgslb_express_slot& slot, size_t index);

    std::span<xgslb_express_slot> slots_;
    uint64_t seed_[2];
    uint64_t index_seed_ = 0;
    std::unordered_map<uint64_t, Placed> placed_;  // by xgslb_rrset_key.name_hash
    uint32_t mask_ = 0;
    size_t used_ = 0;
    size_t unplaced_ = 0;
};

}  // namespace xgslb
