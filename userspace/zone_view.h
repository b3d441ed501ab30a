// ZoneView: one immutable snapshot of everything xgslb serves. The publisher turns it into BPF
// map entries and the slow-path server answers from it, so both paths see the same data; a new
// snapshot replaces the old one whole (shared_ptr swap), never edited in place.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "strategies/strategy.h"
#include "userspace/config.h"
#include "userspace/dns_name.h"
#include "userspace/name_index.h"

namespace xgslb {

namespace rrtype {
constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, TXT = 16, AAAA = 28, DNAME = 39;
}

// RFC 4034 6.1 canonical order, case-insensitive: a name sorts right before its descendants,
// which makes "does anything exist below X" one lower_bound, and iteration deterministic.
struct CanonicalLess {
    bool operator()(const WireName& a, const WireName& b) const;
};

using Rdata = std::vector<uint8_t>;  // uncompressed wire form

// The hash indexes below are keyed by a name's lowercase wire octets (as a string_view, so a
// lookup needs no allocation): for wire names, equal keys <=> equal under CanonicalLess.
struct NameKeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};
template <typename T>
using NameKeyMap = std::unordered_map<std::string, T, NameKeyHash, std::equal_to<>>;
using NameKeySet = std::unordered_set<std::string, NameKeyHash, std::equal_to<>>;

// A name's lookup key, lowercased into a buffer on the stack. A name over 255 octets (no
// valid name is) gets the empty key, which matches nothing.
class NameKey {
public:
    explicit NameKey(std::span<const uint8_t> name);
    std::string_view view() const { return {buf_, len_}; }

private:
    char buf_[255];
    size_t len_ = 0;
};

// The key of a name's parent (its first label dropped); the root's parent is the root.
inline std::string_view parent_key(std::string_view key) {
    if (key.size() <= 1) return key;
    return key.substr(static_cast<uint8_t>(key[0]) + 1u);
}

// A strategy's group within an RRset: records [first, first + count) of rdata.
struct RRsetGroup {
    uint32_t first = 0, count = 0;
    uint32_t weight = 0;  // Selection::Weighted: 0..1000
    uint32_t region = 0;  // Selection::Geo: GeoRegions id, 0 for targets in no region
    friend bool operator==(const RRsetGroup&, const RRsetGroup&) = default;
};

struct RRset {
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::vector<Rdata> rdata;  // deduplicated, in the order first added
    // What each query does with the records (strategies/strategy.h). Fixed sets have no groups;
    // the others have groups covering rdata in order, without gaps.
    Selection selection = Selection::Fixed;
    std::vector<RRsetGroup> groups;
};

struct Node {
    WireName owner;  // lowercase
    std::map<uint16_t, RRset> rrsets;

    const RRset* find(uint16_t type) const;
    bool is_wildcard() const;  // first label is "*"
};

struct Soa {
    WireName mname, rname;
    uint32_t serial = 1, refresh = 7200, retry = 1800, expire = 1209600;
    uint32_t minimum = 30;  // the negative TTL (RFC 2308)
    uint32_t ttl = 3600;    // of the SOA record itself
};

Rdata rdata_a(const Ipv4Address& a);
Rdata rdata_aaaa(const Ipv6Address& a);
Rdata rdata_name(const WireName& name);  // NS, CNAME
Rdata rdata_txt(const std::string& text);  // one character-string, at most 255 octets
Rdata rdata_soa(const Soa& soa);

// Lookups accept names in any case (CanonicalLess folds case). Names outside the zone are
// the caller's mistake: use ZoneView::find_zone first.
class Zone {
public:
    Zone() = default;
    Zone(const Zone&) = delete;  // the index points into nodes_
    Zone& operator=(const Zone&) = delete;

    const WireName& apex() const { return apex_; }
    std::string name() const { return wire_to_name(apex_); }
    const Soa& soa() const { return soa_; }
    uint32_t negative_ttl() const;  // min(SOA TTL, SOA minimum): TTL of the SOA in negative answers
    // Every node in canonical order (zone export, transfers). Sorted on the first call: a publish
    // needs no order, and sorting 200k names on every one of them would cost more than the rest.
    const std::vector<const Node*>& nodes() const;
    // Every node in the order added: for work that needs each once, in no particular order.
    const std::deque<Node>& nodes_unordered() const { return nodes_; }
    const Node& apex_node() const;
    bool has_wildcard() const { return has_wildcard_; }

    const Node* find(const WireName& name) const;
    // True for nodes and for empty non-terminals (RFC 8020: NODATA, not NXDOMAIN).
    bool name_exists(const WireName& name) const;
    // The topmost non-apex node with NS at or above `name`: a referral, and nothing below it is
    // authoritative. nullptr when `name` is not at or below a cut.
    const Node* find_cut(const WireName& name) const;
    // The longest existing ancestor of `name`, or `name` itself when it exists (RFC 4592).
    WireName closest_encloser(const WireName& name) const;
    // The wildcard that synthesises answers for `name` (RFC 4592 3.3.1): "*.<closest
    // encloser>", when `name` does not exist and that wildcard does; else nullptr.
    const Node* find_wildcard(const WireName& name) const;

    // The same lookups by key (NameKey): no allocation, one hash probe per name tried.
    const Node* find(std::string_view key) const;
    bool name_exists(std::string_view key) const;
    const Node* find_cut(std::string_view key) const;
    const Node* find_wildcard(std::string_view key) const;
    std::string_view apex_key() const { return apex_key_; }

private:
    friend class ZoneView;
    Node& node_for(WireName lowercase_owner);  // the builder's: found or added
    void build_index();

    WireName apex_;
    std::string apex_key_;
    Soa soa_;
    std::deque<Node> nodes_;  // a deque: the index views their owners, which must not move
    bool has_wildcard_ = false;
    // Every node by key, and every node's ancestors (RFC 8020: empty non-terminals exist) with a
    // null node. Keys are views of the nodes' owners (lowercase, so each is its own key).
    NameIndex<const Node*> index_;
    const Node* apex_node_ = nullptr;
    mutable std::once_flag ordered_once_;
    mutable std::vector<const Node*> ordered_;
};

class ZoneView {
public:
    using Zones = std::map<WireName, Zone, CanonicalLess>;
    class Builder;

    ZoneView() = default;
    ZoneView(const ZoneView&) = delete;  // the index points into zones_
    ZoneView& operator=(const ZoneView&) = delete;

    // Zones with SOA and NS at the apex, default ns1.<zone> glue, static records.
    static std::shared_ptr<const ZoneView> build(const Config& config);

    const Zones& zones() const { return zones_; }
    // The closest enclosing zone of `name`, or nullptr when none is served.
    const Zone* find_zone(const WireName& name) const;
    const Zone* find_zone(std::string_view key) const;  // by key (NameKey)
    // Addresses the XDP program answers for (xdp.answer, defaulting to dns.listen).
    const std::vector<SocketAddress>& answer_addresses() const { return answer_; }
    // The regions Geo sets' groups refer to; null when no geoip section is configured.
    const std::shared_ptr<const GeoRegions>& geo() const { return geo_; }

private:
    Zones zones_;
    std::shared_ptr<const GeoRegions> geo_;
    NameKeyMap<const Zone*> zone_index_;  // kept up to date by the Builder
    std::vector<SocketAddress> answer_;
};

// Assembles a ZoneView: zones first, then records, each put in its closest enclosing zone.
class ZoneView::Builder {
public:
    void add_zone(const WireName& apex, const Soa& soa);  // adds the SOA record at the apex
    // Throws xgslb::Error when `owner` is in no zone. A repeated rdata is dropped; the first
    // TTL of a set wins (RFC 2181 5.2: one TTL per set).
    void add(const WireName& owner, uint16_t type, uint32_t ttl, Rdata rdata);
    // A set made whole by the caller (a strategy's: groups covering its records in order, none
    // for Fixed). Nothing is added when it has no records. Throws xgslb::Error when `owner` is
    // in no zone or already has a set of the type.
    void add_set(WireName owner, RRset set);
    // Zones, their NS and glue, and the config's records without a strategy (ZoneView::build).
    void add_config(const Config& config);
    void set_answer_addresses(std::vector<SocketAddress> addresses);
    void set_geo(std::shared_ptr<const GeoRegions> geo);
    // Throws xgslb::Error when a zone has no NS at its apex.
    std::shared_ptr<const ZoneView> finish();

private:
    std::shared_ptr<ZoneView> view_ = std::make_shared<ZoneView>();
};

}  // namespace xgslb
