#include "userspace/express_table.h"

#include <atomic>
#include <cstring>

#include "maps/express_slot_index.h"

namespace xgslb {

namespace {

// Everything of a slot but its sequence: what is compared and what a write copies.
constexpr size_t kPayload = offsetof(xgslb_express_slot, qtype);

bool same_payload(const xgslb_express_slot& a, const xgslb_express_slot& b) {
    return std::memcmp(reinterpret_cast<const uint8_t*>(&a) + kPayload, reinterpret_cast<const uint8_t*>(&b) + kPayload,
                       sizeof(xgslb_express_slot) - kPayload) == 0;
}

bool holds(const xgslb_express_slot& slot, const xgslb_rrset_key& key) {
    return slot.qtype != 0 && slot.qtype == key.qtype && slot.hash == key.name_hash;
}

}  // namespace

ExpressTable::ExpressTable(std::span<xgslb_express_slot> slots) : slots_(slots) {
    const size_t n = slots.size();
    if (n >= 2 && (n & (n - 1)) == 0) mask_ = static_cast<uint32_t>(n - 1);
    else slots_ = {};  // the program would probe other slots than these: hold nothing
    for (const auto& slot : slots_) used_ += slot.qtype != 0;  // a pinned table may hold sets
}

std::optional<xgslb_express_slot> ExpressTable::slot_for(const xgslb_rrset_key& key, const xgslb_rrset& v) {
    const bool a = key.qtype == XGSLB_DNS_TYPE_A;
    if (!a && key.qtype != XGSLB_DNS_TYPE_AAAA) return std::nullopt;
    // Weighted and Geo order or pick records by groups, which slots do not hold.
    if (v.selection != XGSLB_SELECT_FIXED && v.selection != XGSLB_SELECT_ROTATE) return std::nullopt;
    const unsigned record_len = a ? XGSLB_RR_A_LEN : XGSLB_RR_AAAA_LEN;
    const unsigned max_records = a ? XGSLB_EXPRESS_MAX_A : XGSLB_EXPRESS_MAX_AAAA;
    if (v.count == 0 || v.count > max_records || v.record_len != record_len || v.wire_len != v.count * record_len)
        return std::nullopt;
    xgslb_express_slot s{};
    s.qtype = key.qtype;
    s.selection = v.selection;
    s.count = static_cast<uint8_t>(v.count);
    s.hash = key.name_hash;
    s.check = v.check;
    s.ttl = v.ttl;
    s.wire_csum = v.wire_csum;
    s.wire_len = static_cast<uint8_t>(v.wire_len);
    s.record_len = static_cast<uint8_t>(record_len);
    std::memcpy(s.wire, v.wire, 2u * v.wire_len);  // the value holds the records twice too
    return s;
}

void ExpressTable::write_slot(size_t index, const xgslb_express_slot& value) {
    xgslb_express_slot& slot = slots_[index];
    if (slot.qtype == 0 && value.qtype != 0) ++used_;
    if (slot.qtype != 0 && value.qtype == 0) --used_;
    std::atomic_ref<uint32_t> sequence(slot.sequence);
    // Already odd only if a writer died mid-write (a crashed daemon): it stays odd until done.
    const uint32_t odd = sequence.load(std::memory_order_relaxed) | 1;
    sequence.store(odd, std::memory_order_relaxed);
    // The odd sequence must be visible before any byte of the new content: a store-store barrier
    // (the kernel's smp_wmb() in write_seqcount_begin). On x86 stores are not reordered with
    // stores, so this only stops the compiler; on arm64 it is a dmb.
    std::atomic_thread_fence(std::memory_order_release);
    std::memcpy(reinterpret_cast<uint8_t*>(&slot) + kPayload, reinterpret_cast<const uint8_t*>(&value) + kPayload,
                sizeof(xgslb_express_slot) - kPayload);
    // Release: the content is visible before the even sequence that vouches for it.
    sequence.store(odd + 1, std::memory_order_release);
}

std::optional<size_t> ExpressTable::find(const xgslb_rrset_key& key) const {
    if (!enabled()) return std::nullopt;
    const uint32_t first = xgslb_express_slot_index(key.name_hash, key.qtype, mask_);
    for (uint32_t probe = 0; probe < XGSLB_EXPRESS_PROBES; ++probe) {
        const uint32_t i = (first + probe) & mask_;
        if (holds(slots_[i], key)) return i;
    }
    return std::nullopt;
}

void ExpressTable::place(const xgslb_rrset_key& key, const xgslb_express_slot& value) {
    if (auto i = find(key)) {
        if (!same_payload(slots_[*i], value) || (slots_[*i].sequence & 1)) write_slot(*i, value);
        return;
    }
    const uint32_t first = xgslb_express_slot_index(key.name_hash, key.qtype, mask_);
    for (uint32_t probe = 0; probe < XGSLB_EXPRESS_PROBES; ++probe) {
        const uint32_t i = (first + probe) & mask_;
        if (slots_[i].qtype == 0) {
            write_slot(i, value);
            return;
        }
    }
    ++unplaced_;  // served from xgslb_rrsets alone
}

void ExpressTable::put(const xgslb_rrset_key& key, const xgslb_rrset& value) {
    if (!enabled()) return;
    if (auto slot = slot_for(key, value)) place(key, *slot);
    else erase(key);
}

void ExpressTable::erase(const xgslb_rrset_key& key) {
    if (auto i = find(key)) {
        write_slot(*i, xgslb_express_slot{});
        settle(*i);
    }
}

// The program stops at an empty home slot, so a set in the slot after its home moves home when
// that frees up: copied there first, then cleared where it was (a reader meanwhile finds it
// once or twice, or misses and asks xgslb_rrsets). That may free a home in turn.
void ExpressTable::settle(size_t freed) {
    for (size_t steps = 0; steps < slots_.size(); ++steps) {
        const size_t next = (freed + 1) & mask_;
        const xgslb_express_slot& there = slots_[next];
        if (there.qtype == 0 || xgslb_express_slot_index(there.hash, there.qtype, mask_) != freed) return;
        const xgslb_express_slot moving = there;
        write_slot(freed, moving);
        write_slot(next, xgslb_express_slot{});
        freed = next;
    }
}

void ExpressTable::rebuild(const RrsetEntries& rrsets) {
    if (!enabled()) return;
    // First what must go: slots not exactly what xgslb_rrsets would give them (stale, left by
    // an older daemon, or half-written by one that died), and slots not where the program looks.
    for (size_t i = 0; i < slots_.size(); ++i) {
        const xgslb_express_slot& slot = slots_[i];
        if (slot.qtype == 0) {
            if (slot.sequence & 1) write_slot(i, xgslb_express_slot{});
            continue;
        }
        xgslb_rrset_key key{};
        key.name_hash = slot.hash;
        key.qtype = slot.qtype;
        const size_t at = rrsets.find(key);
        std::optional<xgslb_express_slot> want;
        if (at != RrsetEntries::npos) want = slot_for(key, rrsets.value(at));
        const bool findable = find(key) == i;
        if (!want || !findable || !same_payload(slot, *want) || (slot.sequence & 1)) write_slot(i, xgslb_express_slot{});
    }
    // Sets whose home was just cleared move home, then what is missing goes in.
    for (size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].qtype == 0) settle(i);
    for (size_t j = 0; j < rrsets.size(); ++j) {
        const xgslb_rrset_key& key = rrsets.key(j);
        if (key.qtype != XGSLB_DNS_TYPE_A && key.qtype != XGSLB_DNS_TYPE_AAAA) continue;
        if (auto slot = slot_for(key, rrsets.value(j))) place(key, *slot);
    }
}

}  // namespace xgslb
