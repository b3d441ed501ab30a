// The writer of the express table (xgslb_express, maps/xgslb_abi.h): the small Fixed and Rotate
// A/AAAA sets of xgslb_rrsets, copied into slots the XDP program finds with two inlined array
// lookups. xgslb_rrsets stays the complete truth: a set the table lacks (too big, another
// strategy, both of its slots taken, torn while read) is answered from there, so any slot may
// be cleared at any moment. The publisher keeps the table in step (userspace/publisher.h says in
// which order); a daemon that starts on pinned maps rebuilds it from what they hold.
//
// A set sits in its home slot (maps/express_slot_index.h) or, while that holds another set,
// in the next one; the program stops at an empty home slot, so a miss usually costs one probe.
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

#include "maps/xgslb_abi.h"
#include "userspace/map_contents.h"

namespace xgslb {

class ExpressTable {
public:
    // `slots`: a power of two of them, >= 2 (anything else is a table that holds nothing).
    explicit ExpressTable(std::span<xgslb_express_slot> slots);

    // The slot a set would have, or nothing when the table does not take it (not A/AAAA,
    // Weighted or Geo, no records, more than XGSLB_EXPRESS_MAX_A / _AAAA records).
    static std::optional<xgslb_express_slot> slot_for(const xgslb_rrset_key& key, const xgslb_rrset& value);

    // The set `key` now has `value` in xgslb_rrsets (already written there): the table takes it
    // if it can, or forgets the key if it can no longer hold it.
    void put(const xgslb_rrset_key& key, const xgslb_rrset& value);
    // The set is about to leave xgslb_rrsets (or its table copy must go): cleared from the table.
    void erase(const xgslb_rrset_key& key);
    // Brings the table in line with everything xgslb_rrsets holds: slots whose content is not
    // exactly what `rrsets` says are cleared, then every set that fits and is missing is placed.
    void rebuild(const RrsetEntries& rrsets);

    // Writes one slot as a seqlock writer (a zeroed `value` empties it; its sequence is ignored).
    void write_slot(size_t index, const xgslb_express_slot& value);

    size_t size() const { return slots_.size(); }
    size_t used() const { return used_; }          // slots holding a set
    size_t unplaced() const { return unplaced_; }  // puts that found both slots taken, so far
    // The slot holding `key`, if any.
    std::optional<size_t> find(const xgslb_rrset_key& key) const;

private:
    bool enabled() const { return slots_.size() >= 2; }
    void place(const xgslb_rrset_key& key, const xgslb_express_slot& value);
    void settle(size_t freed);

    std::span<xgslb_express_slot> slots_;
    uint32_t mask_ = 0;
    size_t used_ = 0;
    size_t unplaced_ = 0;
};

}  // namespace xgslb
