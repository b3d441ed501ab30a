#include "userspace/map_contents.h"

#include <arpa/inet.h>
#include <endian.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <thread>
#include <set>
#include <vector>

#include "userspace/error.h"
#include "userspace/inet_checksum.h"
#include "strategies/geo_regions.h"
#include "userspace/zone_view.h"

namespace xgslb {

// Values are diffed with memcmp and dumped by bpftool: an implicit padding byte would hold
// garbage and make equal values differ.
static_assert(std::has_unique_object_representations_v<xgslb_zone>);
static_assert(std::has_unique_object_representations_v<xgslb_rrset_key>);
static_assert(std::has_unique_object_representations_v<xgslb_rrset>);
static_assert(std::has_unique_object_representations_v<xgslb_name_key>);
static_assert(std::has_unique_object_representations_v<xgslb_name>);
static_assert(std::has_unique_object_representations_v<xgslb_listen_key>);
static_assert(std::has_unique_object_representations_v<xgslb_listen_set>);
static_assert(std::has_unique_object_representations_v<xgslb_geo_key>);
static_assert(std::has_unique_object_representations_v<xgslb_geo_region>);

namespace {

template <typename T>
T zeroed() {
    T v;
    std::memset(&v, 0, sizeof v);
    return v;
}

uint8_t* put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
    return p + 2;
}

uint8_t* put32(uint8_t* p, uint32_t v) {
    return put16(put16(p, static_cast<uint16_t>(v >> 16)), static_cast<uint16_t>(v));
}

uint8_t* put_bytes(uint8_t* p, const std::vector<uint8_t>& b) {
    std::memcpy(p, b.data(), b.size());
    return p + b.size();
}

// Presentation form for operators; cut short rather than fail when escapes make it long.
void put_text(char (&dst)[XGSLB_NAME_TEXT_MAX], std::span<const uint8_t> name) {
    // Most names need no escape: written straight into the value (wire_to_name's string was 4 %
    // of a 100k-host publish).
    size_t n = 0, pos = 0;
    bool plain = true;
    while (plain && pos < name.size() && name[pos] != 0) {
        const size_t len = name[pos];
        if (len > 63 || pos + 1 + len >= name.size() || n + len + 1 >= sizeof dst) {
            plain = false;
            break;
        }
        for (size_t i = 1; i <= len && plain; ++i) {
            const uint8_t c = name[pos + i];
            plain = c >= 0x21 && c <= 0x7e && c != '.' && c != '\\';
            dst[n++] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        dst[n++] = '.';
        pos += len + 1;
    }
    if (plain && n > 0 && pos + 1 == name.size()) return;  // ended at the root label
    std::memset(dst, 0, sizeof dst);
    const std::string text = wire_to_name(name.data(), name.size());
    // Lowercase: folding the text is folding the name (an escaped octet is never a letter).
    n = std::min(text.size(), sizeof dst - 1);
    for (size_t i = 0; i < n; ++i) dst[i] = static_cast<char>(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
}

// A name as a view of octets a node owns: its owner, or a suffix of it (an ancestor).
using NameView = std::span<const uint8_t>;
std::string_view key_view(NameView n) { return {reinterpret_cast<const char*>(n.data()), n.size()}; }
NameView parent_view(NameView n) { return n.size() <= 1 ? n : n.subspan(n[0] + 1u); }

// A name that gets a names entry: a node outside any cut's shadow, or an empty non-terminal.
struct NameEntry {
    NameView owner;  // lowercase: of a node's owner
    uint32_t zone_id = 0;
    uint32_t flags = 0;
    const Node* node = nullptr;  // nullptr: empty non-terminal
};

bool is_address(uint16_t type) { return type == rrtype::A || type == rrtype::AAAA; }

uint32_t node_flags(const Zone& zone, const Node& node) {
    uint32_t flags = 0;
    if (node.owner == zone.apex()) flags |= XGSLB_NAME_APEX;
    for (const auto& [type, set] : node.rrsets) {
        if (!is_address(type)) flags |= XGSLB_NAME_OTHER_TYPES;
        // CNAME/DNAME answers chase targets; oversized sets do not fit an xgslb_rrset.
        if (type == rrtype::CNAME || type == rrtype::DNAME) flags |= XGSLB_NAME_PASS;
        if (is_address(type) && set.rdata.size() > XGSLB_MAX_RRSET_RECORDS) flags |= XGSLB_NAME_PASS;
    }
    return flags;
}

// Zone ids come from the apex hash so that they stay the same from one publish to the next
// without persisting an allocator; only a clash between two zones moves one of them.
template <typename Hash>
std::map<WireName, uint32_t, CanonicalLess> zone_ids(const ZoneView& view, const Hash& hash) {
    std::map<WireName, uint32_t, CanonicalLess> ids;
    std::set<uint32_t> used;
    for (const auto& [apex, zone] : view.zones()) {
        uint32_t id = static_cast<uint32_t>(hash(std::span<const uint8_t>(apex)).hash);
        while (id == 0 || used.count(id)) ++id;  // 0 stays "no zone", as in a zeroed entry
        used.insert(id);
        ids[apex] = id;
    }
    return ids;
}

// Every name of every zone once (a later zone's entry replaces an earlier one's: the child
// zone's apex over the parent's cut). A vector plus a hash index rather than an ordered map:
// at 100k hosts the canonical-order comparisons were most of this function's time.
struct ServedNames {
    std::vector<NameEntry> list;
    NameIndex<size_t> index;  // position in list, by key (the view's octets: owners are lowercase)

    void put(const NameEntry& e) {
        if (size_t* at = index.find(key_view(e.owner))) {
            list[*at] = e;
            return;
        }
        index.insert(key_view(e.owner), list.size());
        list.push_back(e);
    }
    void put_if_absent(const NameEntry& e) {
        if (index.insert(key_view(e.owner), list.size())) list.push_back(e);
    }
};

void collect_names(const Zone& zone, uint32_t zone_id, ServedNames& out) {
    out.list.reserve(out.list.size() + zone.nodes_unordered().size());
    out.index.reserve(out.list.size() + zone.nodes_unordered().size());
    // Without a delegation below the apex nothing is occluded: no walk up from every name.
    const bool has_cuts = std::any_of(zone.nodes_unordered().begin(), zone.nodes_unordered().end(), [&](const Node& n) {
        return n.owner.size() > zone.apex().size() && n.find(rrtype::NS);
    });
    for (const Node& node : zone.nodes_unordered()) {
        const NameView owner(node.owner);
        const Node* cut = has_cuts ? zone.find_cut(key_view(owner)) : nullptr;
        if (cut && cut != &node) continue;  // occluded: glue or data below a delegation
        NameEntry e{owner, zone_id, node_flags(zone, node), &node};
        if (cut) e.flags |= XGSLB_NAME_DELEGATION;
        out.put(e);
        for (NameView p = parent_view(owner); p.size() > zone.apex().size(); p = parent_view(p))
            if (!zone.find(key_view(p))) out.put_if_absent({p, zone_id, 0, nullptr});
    }
}

xgslb_zone make_zone(const Zone& zone, uint32_t flags) {
    auto z = zeroed<xgslb_zone>();
    const Soa& soa = zone.soa();
    z.apex_len = static_cast<uint16_t>(zone.apex().size());
    z.flags = static_cast<uint16_t>(flags);
    uint8_t* p = z.soa_wire;
    p = put16(p, rrtype::SOA);
    p = put16(p, XGSLB_DNS_CLASS_IN);
    p = put32(p, zone.negative_ttl());
    p = put16(p, static_cast<uint16_t>(soa.mname.size() + soa.rname.size() + 20));
    p = put_bytes(p, soa.mname);
    p = put_bytes(p, soa.rname);
    for (uint32_t v : {soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum}) p = put32(p, v);
    z.soa_wire_len = static_cast<uint16_t>(p - z.soa_wire);
    z.soa_wire_csum = ones_complement_sum(z.soa_wire, z.soa_wire_len);
    put_text(z.text, zone.apex());
    return z;
}

// Into a value whose header, groups and first 2 x wire_len octets of wire are zero; the rest is
// never looked at (packing keeps the header, the groups in use and the records once).
void fill_rrset(xgslb_rrset& r, const RRset& set, uint64_t check) {
    const size_t rdlen = set.type == rrtype::A ? 4 : 16;
    r.check = check;
    r.ttl = set.ttl;
    r.count = static_cast<uint16_t>(set.rdata.size());
    r.record_len = static_cast<uint16_t>(12 + rdlen);
    uint8_t* p = r.wire;
    for (const Rdata& rd : set.rdata) {
        if (rd.size() != rdlen) throw Error("malformed A/AAAA rdata of " + std::to_string(rd.size()) + " octets");
        *p++ = 0xc0;  // pointer to the question name at offset 12
        *p++ = 0x0c;
        p = put16(p, set.type);
        p = put16(p, XGSLB_DNS_CLASS_IN);
        p = put32(p, set.ttl);
        p = put16(p, static_cast<uint16_t>(rdlen));
        p = put_bytes(p, rd);
    }
    r.wire_len = static_cast<uint16_t>(p - r.wire);
    r.wire_csum = ones_complement_sum(r.wire, r.wire_len);
    std::memcpy(r.wire + r.wire_len, r.wire, r.wire_len);  // twice: a rotation is one copy
    r.selection = static_cast<uint8_t>(set.selection);
    if (set.groups.size() > XGSLB_MAX_GROUPS)
        throw Error(std::to_string(set.groups.size()) + " strategy groups; the maps hold " +
                    std::to_string(XGSLB_MAX_GROUPS));
    uint32_t total = 0;
    for (const RRsetGroup& g : set.groups) {
        auto& out = r.groups[r.group_count++];
        out.first = static_cast<uint16_t>(g.first);
        out.count = static_cast<uint16_t>(g.count);
        out.weight = static_cast<uint16_t>(std::min<uint32_t>(g.weight, XGSLB_MAX_WEIGHT));
        out.region = g.region;
        out.wire_csum = ones_complement_sum(r.wire + g.first * r.record_len, g.count * r.record_len);
        total += out.weight;
    }
    r.weight_total = static_cast<uint16_t>(total);
}

// A name's hash, for grouping by map key.
struct Hashed {
    xgslb_name_hash h;
    const NameEntry* e;
};

// From this many entries on, two threads make them.
constexpr size_t kParallelEntries = 16384;

// The names and rrsets entries of `hashed` (in key order; names sharing a hash side by side),
// packed as they are made: one scratch value per kind, only its used part zeroed again.
void pack_entries(std::span<const Hashed> hashed, NameEntries& names, RrsetEntries& rrsets) {
    names.reserve(hashed.size(), hashed.size() * 48);
    rrsets.reserve(hashed.size(), hashed.size() * 64);
    auto scratch = std::make_unique<xgslb_rrset>();
    auto name = zeroed<xgslb_name>();
    for (size_t first = 0, end = 0; first < hashed.size(); first = end) {
        const uint64_t key_hash = hashed[first].h.hash;
        size_t pick = first;
        for (end = first + 1; end < hashed.size() && hashed[end].h.hash == key_hash; ++end)
            if (CanonicalLess{}(WireName(hashed[end].e->owner.begin(), hashed[end].e->owner.end()),
                                WireName(hashed[pick].e->owner.begin(), hashed[pick].e->owner.end())))
                pick = end;
        const NameEntry* e = hashed[pick].e;
        const xgslb_name_hash& h = hashed[pick].h;
        const bool clash = end - first > 1;
        auto key = zeroed<xgslb_name_key>();
        key.hash = key_hash;
        name.check = h.check;
        name.zone_id = e->zone_id;
        name.flags = e->flags | (clash ? XGSLB_NAME_PASS : 0);
        put_text(name.text, e->owner);
        names.append(key, name);
        std::memset(name.text, 0, sizeof name.text);

        if (name.flags & (XGSLB_NAME_PASS | XGSLB_NAME_DELEGATION) || !e->node) continue;
        for (const auto& [type, set] : e->node->rrsets) {
            if (!is_address(type)) continue;
            auto rkey = zeroed<xgslb_rrset_key>();
            rkey.name_hash = key_hash;
            rkey.qtype = type;
            // Types ascend (A before AAAA) as the key's bytes do: still in key order.
            fill_rrset(*scratch, set, h.check);
            rrsets.append(rkey, *scratch);
            RrsetPacking::clear({}, *scratch);
        }
    }
}

xgslb_geo_key make_geo_key(const IpPrefix& p) {
    auto k = zeroed<xgslb_geo_key>();
    k.family = p.family == AF_INET6 ? XGSLB_FAMILY_IPV6 : XGSLB_FAMILY_IPV4;
    k.prefixlen = 8u + p.length;
    std::memcpy(k.addr, p.addr.data(), p.family == AF_INET6 ? 16 : 4);
    return k;
}

}  // namespace

xgslb_name_hash hash_wire_name(const WireName& name, const uint64_t seed[2]) {
    return hash_wire_name(std::span<const uint8_t>(name), seed);
}

xgslb_name_hash hash_wire_name(std::span<const uint8_t> name, const uint64_t seed[2]) {
    const __u64 s[2] = {seed[0], seed[1]};
    xgslb_name_hash h;
    xgslb_hash_init(&h, s);
    for (size_t off = 0; off < name.size(); off += 8) {
        uint64_t w = 0;
        std::memcpy(&w, name.data() + off, std::min<size_t>(8, name.size() - off));
        xgslb_hash_word(&h, xgslb_lower8(le64toh(w)));
    }
    xgslb_hash_finish(&h, static_cast<__u32>(name.size()));
    return h;
}

size_t RrsetPacking::pack(const xgslb_rrset& v, uint8_t* out) {
    const size_t header = kHeader + std::min<size_t>(v.group_count, XGSLB_MAX_GROUPS) * sizeof(xgslb_rrset_group);
    const size_t wire = std::min<size_t>(v.wire_len, XGSLB_RRSET_WIRE_MAX);
    std::memcpy(out, &v, header);
    std::memcpy(out + header, v.wire, wire);
    return header + wire;
}

void RrsetPacking::expand(std::span<const uint8_t> packed, xgslb_rrset& v) {
    std::memcpy(&v, packed.data(), kHeader);
    const size_t header = kHeader + std::min<size_t>(v.group_count, XGSLB_MAX_GROUPS) * sizeof(xgslb_rrset_group);
    const size_t wire = std::min<size_t>(v.wire_len, XGSLB_RRSET_WIRE_MAX);
    std::memcpy(reinterpret_cast<uint8_t*>(&v) + kHeader, packed.data() + kHeader, header - kHeader);
    std::memcpy(v.wire, packed.data() + header, wire);
    std::memcpy(v.wire + wire, packed.data() + header, wire);  // twice: a rotation is one copy
}

void RrsetPacking::clear(std::span<const uint8_t>, xgslb_rrset& v) {
    const size_t wire = std::min<size_t>(v.wire_len, XGSLB_RRSET_WIRE_MAX);
    std::memset(v.wire, 0, 2 * wire);
    std::memset(&v, 0, offsetof(xgslb_rrset, wire));
}

size_t NamePacking::pack(const xgslb_name& v, uint8_t* out) {
    const size_t text = strnlen(v.text, sizeof v.text);
    std::memcpy(out, &v, kHeader + text);
    return kHeader + text;
}

void NamePacking::expand(std::span<const uint8_t> packed, xgslb_name& v) {
    std::memcpy(&v, packed.data(), packed.size());
}

void NamePacking::clear(std::span<const uint8_t> packed, xgslb_name& v) { std::memset(&v, 0, packed.size()); }

xgslb_listen_key make_listen_key(const SocketAddress& address) {
    auto k = zeroed<xgslb_listen_key>();
    k.family = address.family == AF_INET6 ? XGSLB_FAMILY_IPV6 : XGSLB_FAMILY_IPV4;
    k.port = htons(address.port);
    std::memcpy(k.addr, address.addr.data(), address.family == AF_INET6 ? 16 : 4);
    return k;
}

xgslb_listen_set make_listen_set(const std::set<xgslb_listen_key, BytesLess>& keys) {
    if (keys.size() > XGSLB_MAX_LISTEN)
        throw Error(std::to_string(keys.size()) + " answer addresses; the maps hold " + std::to_string(XGSLB_MAX_LISTEN));
    auto set = zeroed<xgslb_listen_set>();
    for (const auto& k : keys) set.keys[set.count++] = k;
    return set;
}

std::set<xgslb_listen_key, BytesLess> listen_keys(const xgslb_listen_set& set) {
    std::set<xgslb_listen_key, BytesLess> out;
    for (uint32_t i = 0; i < std::min<uint32_t>(set.count, XGSLB_MAX_LISTEN); ++i) out.insert(set.keys[i]);
    return out;
}

namespace {

// `hash` takes a name as a span of its wire octets.
template <typename Hash>
MapContents build_contents(const ZoneView& view, const Hash& hash) {
    if (view.zones().size() > XGSLB_MAX_ZONES)
        throw Error(std::to_string(view.zones().size()) + " zones; the maps hold " + std::to_string(XGSLB_MAX_ZONES));
    if (view.answer_addresses().size() > XGSLB_MAX_LISTEN)
        throw Error(std::to_string(view.answer_addresses().size()) + " answer addresses; the maps hold " +
                    std::to_string(XGSLB_MAX_LISTEN));
    MapContents out;
    const auto ids = zone_ids(view, hash);

    ServedNames entries;
    for (const auto& [apex, zone] : view.zones()) {
        out.zones[ids.at(apex)] = make_zone(zone, zone.has_wildcard() ? XGSLB_ZONE_HAS_WILDCARD : 0);
        collect_names(zone, ids.at(apex), entries);
    }

    // Group by map key: names sharing a 64-bit hash share one entry, which must then pass; it
    // describes the first of them in canonical order.
    std::vector<Hashed> hashed;
    hashed.reserve(entries.list.size());
    for (const NameEntry& e : entries.list) hashed.push_back({hash(e.owner), &e});
    // In the maps' own order (BytesLess: the key's bytes, a little-endian hash first), so that
    // every insert below goes at the end with a hint instead of a search of 200k keys.
    std::sort(hashed.begin(), hashed.end(), [](const Hashed& a, const Hashed& b) {
        return htobe64(a.h.hash) < htobe64(b.h.hash);
    });
    // The entries of a large view are made in two halves at once, the second CPU being idle
    // here (split where the hash changes, so a clash stays in one half), then joined in order.
    const std::span<const Hashed> all(hashed);
    size_t mid = hashed.size() >= kParallelEntries ? hashed.size() / 2 : hashed.size();
    while (mid < hashed.size() && mid > 0 && hashed[mid].h.hash == hashed[mid - 1].h.hash) ++mid;
    if (mid == hashed.size()) {
        pack_entries(all, out.names, out.rrsets);
    } else {
        NameEntries names2;
        RrsetEntries rrsets2;
        std::exception_ptr failure;
        std::thread second([&] {
            try {
                pack_entries(all.subspan(mid), names2, rrsets2);
            } catch (...) {
                failure = std::current_exception();
            }
        });
        try {
            pack_entries(all.first(mid), out.names, out.rrsets);
        } catch (...) {
            second.join();
            throw;
        }
        second.join();
        if (failure) std::rethrow_exception(failure);
        out.names.append_entries(names2);
        out.rrsets.append_entries(rrsets2);
    }

    for (const auto& a : view.answer_addresses()) out.listen.insert(make_listen_key(a));
    if (const auto& geo = view.geo()) {
        if (geo->prefixes().size() > XGSLB_MAX_GEO_PREFIXES)
            throw Error(std::to_string(geo->prefixes().size()) + " GeoIP prefixes; the map holds " +
                        std::to_string(XGSLB_MAX_GEO_PREFIXES));
        for (const auto& p : geo->prefixes()) {
            auto v = zeroed<xgslb_geo_region>();
            v.region = p.region;
            v.prefix_len = p.prefix.length;
            out.geo[make_geo_key(p.prefix)] = v;
        }
    }
    return out;
}

}  // namespace

MapContents build_map_contents(const ZoneView& view, const uint64_t seed[2]) {
    const uint64_t s[2] = {seed[0], seed[1]};
    return build_contents(view, [&s](std::span<const uint8_t> n) { return hash_wire_name(n, s); });
}

MapContents build_map_contents(const ZoneView& view, const NameHasher& hash) {
    return build_contents(view, [&hash](std::span<const uint8_t> n) { return hash(WireName(n.begin(), n.end())); });
}

}  // namespace xgslb
