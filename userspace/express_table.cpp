#include "userspace/express_table.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>

#include <endian.h>

#include "maps/express_slot_index.h"
#include "userspace/dns_name.h"
#include "userspace/error.h"

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

// The owner as the program compares it: lowercased words, a mask per octet (0xdf a letter,
// 0xff any other octet, 0 past the name; maps/express_slot_index.h proves the compare exact).
void put_name(xgslb_express_slot& s, const WireName& wire) {
    uint8_t name[XGSLB_EXPRESS_NAME_MAX] = {};
    uint8_t mask[XGSLB_EXPRESS_NAME_MAX] = {};
    const WireName lower = lowercase(wire);
    std::copy(lower.begin(), lower.end(), name);
    for (size_t i = 0; i < wire.size(); ++i) mask[i] = xgslb_express_mask_octet(wire[i]);
    for (size_t w = 0; w < XGSLB_EXPRESS_NAME_WORDS; ++w) {
        uint64_t n = 0, m = 0;
        std::memcpy(&n, name + 8 * w, 8);
        std::memcpy(&m, mask + 8 * w, 8);
        s.name[w] = le64toh(n);
        s.name_mask[w] = le64toh(m);
    }
    s.name_len = static_cast<uint8_t>(wire.size());
}

// The owner's wire form, if `text` is one whose two-lane hash is the set's key and check (so a
// text cut short, or a names entry of another name, never puts a wrong name in a slot).
std::optional<WireName> proven_owner(std::string_view text, const xgslb_rrset_key& key, const xgslb_rrset& v,
                                     const uint64_t seed[2]) {
    WireName wire;
    try {
        wire = name_to_wire(text);
    } catch (const Error&) {
        return std::nullopt;
    }
    if (wire.empty() || wire.size() > XGSLB_EXPRESS_NAME_MAX) return std::nullopt;
    const xgslb_name_hash h = hash_wire_name(wire, seed);
    if (h.hash != key.name_hash || h.check != v.check) return std::nullopt;
    return wire;
}

std::string_view owner_text(const xgslb_name& name) { return {name.text, strnlen(name.text, sizeof name.text)}; }

}  // namespace

ExpressTable::ExpressTable(std::span<xgslb_express_slot> slots, const uint64_t seed[2])
    : slots_(slots), seed_{seed[0], seed[1]} {
    const __u64 s[2] = {seed[0], seed[1]};
    index_seed_ = xgslb_express_seed(s);
    const size_t n = slots.size();
    if (n >= 2 && (n & (n - 1)) == 0) mask_ = static_cast<uint32_t>(n - 1);
    else slots_ = {};  // the program would probe other slots than these: hold nothing
    for (size_t i = 0; i < slots_.size(); ++i) {  // a pinned table may hold sets
        if (slots_[i].qtype == 0) continue;
        ++used_;
        remember(slots_[i], i);
    }
}

uint32_t ExpressTable::home_of(const xgslb_express_slot& slot) const {
    uint8_t name[XGSLB_EXPRESS_NAME_MAX];
    const size_t len = std::min<size_t>(slot.name_len, XGSLB_EXPRESS_NAME_MAX);
    for (size_t w = 0; w < XGSLB_EXPRESS_NAME_WORDS; ++w) {
        const uint64_t n = htole64(slot.name[w]);
        std::memcpy(name + 8 * w, &n, 8);
    }
    return xgslb_express_slot_index(name, static_cast<__u32>(len), slot.qtype, index_seed_, mask_);
}

std::optional<xgslb_express_slot> ExpressTable::slot_for(const xgslb_rrset_key& key, const xgslb_rrset& v,
                                                         std::string_view owner) const {
    const bool a = key.qtype == XGSLB_DNS_TYPE_A;
    if (!a && key.qtype != XGSLB_DNS_TYPE_AAAA) return std::nullopt;
    // Weighted and Geo order or pick records by groups, which slots do not hold.
    if (v.selection != XGSLB_SELECT_FIXED && v.selection != XGSLB_SELECT_ROTATE) return std::nullopt;
    const unsigned record_len = a ? XGSLB_RR_A_LEN : XGSLB_RR_AAAA_LEN;
    const unsigned max_records = a ? XGSLB_EXPRESS_MAX_A : XGSLB_EXPRESS_MAX_AAAA;
    if (v.count == 0 || v.count > max_records || v.record_len != record_len || v.wire_len != v.count * record_len)
        return std::nullopt;
    const auto wire = proven_owner(owner, key, v, seed_);
    if (!wire) return std::nullopt;
    xgslb_express_slot s{};
    s.qtype = key.qtype;
    s.selection = v.selection;
    s.count = static_cast<uint8_t>(v.count);
    s.hash = key.name_hash;
    s.ttl = v.ttl;
    s.wire_csum = v.wire_csum;
    s.wire_len = static_cast<uint8_t>(v.wire_len);
    s.record_len = static_cast<uint8_t>(record_len);
    put_name(s, *wire);
    std::memcpy(s.wire, v.wire, 2u * v.wire_len);  // the value holds the records twice too
    return s;
}

void ExpressTable::forget(const xgslb_express_slot& slot, size_t index) {
    auto it = placed_.find(slot.hash);
    if (it == placed_.end()) return;
    uint32_t& at = slot.qtype == XGSLB_DNS_TYPE_A ? it->second.a : it->second.aaaa;
    if (at == index + 1) at = 0;
    if (it->second.a == 0 && it->second.aaaa == 0) placed_.erase(it);
}

void ExpressTable::remember(const xgslb_express_slot& slot, size_t index) {
    if (slot.qtype != XGSLB_DNS_TYPE_A && slot.qtype != XGSLB_DNS_TYPE_AAAA) return;
    Placed& p = placed_[slot.hash];
    (slot.qtype == XGSLB_DNS_TYPE_A ? p.a : p.aaaa) = static_cast<uint32_t>(index + 1);
}

void ExpressTable::write_slot(size_t index, const xgslb_express_slot& value) {
    xgslb_express_slot& slot = slots_[index];
    if (slot.qtype == 0 && value.qtype != 0) ++used_;
    if (slot.qtype != 0 && value.qtype == 0) --used_;
    if (slot.qtype != 0) forget(slot, index);
    if (value.qtype != 0) remember(value, index);
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
    const auto it = placed_.find(key.name_hash);
    if (it == placed_.end()) return std::nullopt;
    const uint32_t at = key.qtype == XGSLB_DNS_TYPE_A ? it->second.a : key.qtype == XGSLB_DNS_TYPE_AAAA ? it->second.aaaa : 0;
    if (at == 0 || !holds(slots_[at - 1], key)) return std::nullopt;
    return at - 1;
}

void ExpressTable::place(const xgslb_rrset_key& key, const xgslb_express_slot& value) {
    if (auto i = find(key)) {
        if (!same_payload(slots_[*i], value) || (slots_[*i].sequence & 1)) write_slot(*i, value);
        return;
    }
    const uint32_t first = home_of(value);
    for (uint32_t probe = 0; probe < XGSLB_EXPRESS_PROBES; ++probe) {
        const uint32_t i = (first + probe) & mask_;
        if (slots_[i].qtype == 0) {
            write_slot(i, value);
            return;
        }
    }
    ++unplaced_;  // served from xgslb_rrsets alone
}

void ExpressTable::put(const xgslb_rrset_key& key, const xgslb_rrset& value, std::string_view owner) {
    if (!enabled()) return;
    if (auto slot = slot_for(key, value, owner)) place(key, *slot);
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
        if (there.qtype == 0 || home_of(there) != freed) return;
        const xgslb_express_slot moving = there;
        write_slot(freed, moving);
        write_slot(next, xgslb_express_slot{});
        freed = next;
    }
}

void ExpressTable::rebuild(const RrsetEntries& rrsets, const NameEntries& names) {
    auto owner_of = [&](const xgslb_rrset_key& key) -> std::string {
        const size_t at = names.find(xgslb_name_key{key.name_hash});
        return at == NameEntries::npos ? std::string() : std::string(owner_text(names.value(at)));
    };
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
        if (at != RrsetEntries::npos) want = slot_for(key, rrsets.value(at), owner_of(key));
        // Where the program looks: home, or the next slot while home holds something.
        const uint32_t home = home_of(slot);
        const bool reachable = i == home || (i == ((home + 1) & mask_) && slots_[home].qtype != 0);
        const bool findable = reachable && find(key) == i;
        if (!want || !findable || !same_payload(slot, *want) || (slot.sequence & 1)) write_slot(i, xgslb_express_slot{});
    }
    // Sets whose home was just cleared move home, then what is missing goes in.
    for (size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].qtype == 0) settle(i);
    for (size_t j = 0; j < rrsets.size(); ++j) {
        const xgslb_rrset_key& key = rrsets.key(j);
        if (key.qtype != XGSLB_DNS_TYPE_A && key.qtype != XGSLB_DNS_TYPE_AAAA) continue;
        if (auto slot = slot_for(key, rrsets.value(j), owner_of(key))) place(key, *slot);
    }
}

}  // namespace xgslb
