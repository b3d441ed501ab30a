// The exact BPF map entries that serve a ZoneView: what the XDP program may answer and, by the
// flags, everything it must pass to the slow path. Pure computation, so it is tested byte by
// byte here and the publisher only has to diff and write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <type_traits>

#include "maps/name_hash.h"
#include "maps/xgslb_abi.h"
#include "userspace/config.h"
#include "userspace/dns_name.h"
#include "userspace/packed_entries.h"

namespace xgslb {

class ZoneView;

// Map keys and values are compared as the kernel does: byte by byte. The ABI structs have no
// implicit padding (checked in map_contents.cpp), so this is well defined.
struct BytesLess {
    template <typename T>
    bool operator()(const T& a, const T& b) const {
        static_assert(std::is_trivially_copyable_v<T>);
        return std::memcmp(&a, &b, sizeof(T)) < 0;
    }
};
template <typename T>
bool same_bytes(const T& a, const T& b) {
    static_assert(std::is_trivially_copyable_v<T>);
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// An rrset packed: the header and the groups in use, then the records once (the value holds
// them twice, and room for 32 AAAA records).
struct RrsetPacking {
    static constexpr size_t kHeader = offsetof(xgslb_rrset, groups);
    static constexpr size_t kMaxPacked = sizeof(xgslb_rrset);
    static size_t pack(const xgslb_rrset& v, uint8_t* out);
    static void expand(std::span<const uint8_t> packed, xgslb_rrset& v);
    static void clear(std::span<const uint8_t> packed, xgslb_rrset& v);
};
// A name packed: the fields before the text, then the text up to its NUL.
struct NamePacking {
    static constexpr size_t kHeader = offsetof(xgslb_name, text);
    static constexpr size_t kMaxPacked = sizeof(xgslb_name);
    static size_t pack(const xgslb_name& v, uint8_t* out);
    static void expand(std::span<const uint8_t> packed, xgslb_name& v);
    static void clear(std::span<const uint8_t> packed, xgslb_name& v);
};
using RrsetEntries = PackedEntries<xgslb_rrset_key, xgslb_rrset, RrsetPacking>;
using NameEntries = PackedEntries<xgslb_name_key, xgslb_name, NamePacking>;

// The two maps with an entry per name are packed (packed_entries.h); the small ones are plain.
struct MapContents {
    std::map<uint32_t, xgslb_zone> zones;
    RrsetEntries rrsets;
    NameEntries names;
    std::set<xgslb_listen_key, BytesLess> listen;  // published as one xgslb_listen_set
    std::map<xgslb_geo_key, xgslb_geo_region, BytesLess> geo;  // the view's GeoRegions, flattened
};

// The map key hash of a wire name (any case), exactly as the XDP program computes it.
xgslb_name_hash hash_wire_name(const WireName& name, const uint64_t seed[2]);
xgslb_name_hash hash_wire_name(std::span<const uint8_t> name, const uint64_t seed[2]);

// Tests substitute a hasher to force collisions; production passes the seeded one.
using NameHasher = std::function<xgslb_name_hash(const WireName&)>;

MapContents build_map_contents(const ZoneView& view, const uint64_t seed[2]);
MapContents build_map_contents(const ZoneView& view, const NameHasher& hash);

xgslb_listen_key make_listen_key(const SocketAddress& address);

// The listen map's value for a set of keys (at most XGSLB_MAX_LISTEN, checked when built), and back.
xgslb_listen_set make_listen_set(const std::set<xgslb_listen_key, BytesLess>& keys);
std::set<xgslb_listen_key, BytesLess> listen_keys(const xgslb_listen_set& set);

// The seeds as xgslb_settings holds them: __u64 is unsigned long long, uint64_t unsigned long
// on x86-64, so the arrays do not convert. Enabled only where the two types differ.
template <typename Word>
    requires(std::is_same_v<Word, __u64> && !std::is_same_v<Word, uint64_t>)
xgslb_name_hash hash_wire_name(const WireName& name, const Word seed[2]) {
    const uint64_t s[2] = {seed[0], seed[1]};
    return hash_wire_name(name, s);
}
template <typename Word>
    requires(std::is_same_v<Word, __u64> && !std::is_same_v<Word, uint64_t>)
MapContents build_map_contents(const ZoneView& view, const Word seed[2]) {
    const uint64_t s[2] = {seed[0], seed[1]};
    return build_map_contents(view, s);
}

}  // namespace xgslb
