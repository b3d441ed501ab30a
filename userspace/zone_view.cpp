#include "userspace/zone_view.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "userspace/error.h"

namespace xgslb {

namespace {

constexpr size_t kMaxLabels = 128;  // a 255-octet name holds at most 127 labels besides the root

// Offsets of each label's length octet; returns the label count (root label excluded).
size_t label_offsets(const WireName& n, uint8_t (&out)[kMaxLabels]) {
    size_t count = 0;
    for (size_t pos = 0; pos < n.size() && n[pos] != 0 && count < kMaxLabels; pos += n[pos] + 1u)
        out[count++] = static_cast<uint8_t>(pos);
    return count;
}

uint8_t fold(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }

void put_u32(Rdata& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

std::string key_of(const WireName& name) { return std::string(NameKey(name).view()); }

}  // namespace

NameKey::NameKey(std::span<const uint8_t> name) {
    if (name.size() > sizeof buf_) return;
    len_ = name.size();
    for (size_t i = 0; i < len_; ++i) buf_[i] = static_cast<char>(fold(name[i]));
}

bool CanonicalLess::operator()(const WireName& a, const WireName& b) const {
    uint8_t la[kMaxLabels], lb[kMaxLabels];
    size_t na = label_offsets(a, la), nb = label_offsets(b, lb);
    // Compare from the rightmost label; within a label, octets as unsigned, case folded.
    while (na > 0 && nb > 0) {
        const uint8_t* pa = a.data() + la[--na];
        const uint8_t* pb = b.data() + lb[--nb];
        const size_t len = std::min(pa[0], pb[0]);
        for (size_t i = 1; i <= len; ++i)
            if (fold(pa[i]) != fold(pb[i])) return fold(pa[i]) < fold(pb[i]);
        if (pa[0] != pb[0]) return pa[0] < pb[0];
    }
    return na < nb;
}

const RRset* Node::find(uint16_t type) const {
    auto it = rrsets.find(type);
    return it == rrsets.end() ? nullptr : &it->second;
}

bool Node::is_wildcard() const { return owner.size() >= 2 && owner[0] == 1 && owner[1] == '*'; }

Rdata rdata_a(const Ipv4Address& a) { return Rdata(a.begin(), a.end()); }
Rdata rdata_aaaa(const Ipv6Address& a) { return Rdata(a.begin(), a.end()); }
Rdata rdata_name(const WireName& name) { return name; }

Rdata rdata_txt(const std::string& text) {
    if (text.size() > 255) throw Error("TXT string longer than 255 octets");
    Rdata r{static_cast<uint8_t>(text.size())};
    r.insert(r.end(), text.begin(), text.end());
    return r;
}

Rdata rdata_soa(const Soa& soa) {
    Rdata r = soa.mname;
    r.insert(r.end(), soa.rname.begin(), soa.rname.end());
    for (uint32_t v : {soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum}) put_u32(r, v);
    return r;
}

uint32_t Zone::negative_ttl() const { return std::min(soa_.ttl, soa_.minimum); }

const Node& Zone::apex_node() const {
    if (apex_node_) return *apex_node_;
    const Node* apex = find(apex_key_);
    if (!apex) throw Error("zone " + name() + " has no apex node");
    return *apex;
}

const std::vector<const Node*>& Zone::nodes() const {
    std::call_once(ordered_once_, [this] {
        ordered_.reserve(nodes_.size());
        for (const Node& n : nodes_) ordered_.push_back(&n);
        std::sort(ordered_.begin(), ordered_.end(),
                  [](const Node* a, const Node* b) { return CanonicalLess{}(a->owner, b->owner); });
    });
    return ordered_;
}

Node& Zone::node_for(WireName lowercase_owner) {
    const auto key = std::string_view(reinterpret_cast<const char*>(lowercase_owner.data()), lowercase_owner.size());
    if (const Node* const* found = index_.find(key)) return const_cast<Node&>(**found);  // ours: still building
    Node& node = nodes_.emplace_back();
    node.owner = std::move(lowercase_owner);
    if (node.is_wildcard()) has_wildcard_ = true;
    index_.insert(std::string_view(reinterpret_cast<const char*>(node.owner.data()), node.owner.size()), &node);
    return node;
}

const Node* Zone::find(const WireName& name) const { return find(NameKey(name).view()); }

bool Zone::name_exists(const WireName& name) const { return name_exists(NameKey(name).view()); }

const Node* Zone::find_cut(const WireName& name) const { return find_cut(NameKey(name).view()); }

WireName Zone::closest_encloser(const WireName& name) const {
    WireName n = name;
    while (n.size() > apex_.size() && !name_exists(n)) n = parent_name(n);
    return n;
}

const Node* Zone::find_wildcard(const WireName& name) const { return find_wildcard(NameKey(name).view()); }

const Node* Zone::find(std::string_view key) const {
    const Node* const* found = index_.find(key);
    return found ? *found : nullptr;
}

bool Zone::name_exists(std::string_view key) const { return index_.find(key) != nullptr; }

const Node* Zone::find_cut(std::string_view key) const {
    // Walk up to (not including) the apex; the last NS seen is the topmost cut.
    const Node* cut = nullptr;
    for (std::string_view n = key; n.size() > apex_.size(); n = parent_key(n)) {
        const Node* node = find(n);
        if (node && node->find(rrtype::NS)) cut = node;
    }
    return cut;
}

const Node* Zone::find_wildcard(std::string_view key) const {
    if (!has_wildcard_ || name_exists(key)) return nullptr;
    std::string_view encloser = key;
    while (encloser.size() > apex_.size() && !name_exists(encloser)) encloser = parent_key(encloser);
    char source[255];
    if (encloser.size() + 2 > sizeof source) return nullptr;
    source[0] = 1;
    source[1] = '*';
    encloser.copy(source + 2, encloser.size());
    return find(std::string_view(source, encloser.size() + 2));
}

void Zone::build_index() {
    apex_key_ = key_of(apex_);
    // Every ancestor of a node exists too (an empty non-terminal at least), up to the root.
    index_.reserve(2 * nodes_.size());
    for (const Node& node : nodes_) {
        const auto key = std::string_view(reinterpret_cast<const char*>(node.owner.data()), node.owner.size());
        for (std::string_view n = parent_key(key); n.size() < key.size(); n = parent_key(n)) {
            if (!index_.insert(n, nullptr)) break;  // there already, and so are its ancestors
            if (n.size() <= 1) break;
        }
    }
    apex_node_ = find(apex_key_);
    if (!apex_node_) throw Error("zone " + name() + " has no apex node");
}

const Zone* ZoneView::find_zone(const WireName& name) const { return find_zone(NameKey(name).view()); }

const Zone* ZoneView::find_zone(std::string_view key) const {
    for (std::string_view n = key;; n = parent_key(n)) {
        const auto it = zone_index_.find(n);
        if (it != zone_index_.end()) return it->second;
        if (n.size() <= 1) return nullptr;
    }
}

void ZoneView::Builder::add_zone(const WireName& apex, const Soa& soa) {
    const WireName key = lowercase(apex);
    if (view_->zones_.count(key)) throw Error("zone " + wire_to_name(key) + " added twice");
    Zone& z = view_->zones_[key];
    z.apex_ = key;
    view_->zone_index_.emplace(key_of(key), &z);
    z.soa_ = soa;
    add(key, rrtype::SOA, soa.ttl, rdata_soa(soa));
}

void ZoneView::Builder::add(const WireName& owner, uint16_t type, uint32_t ttl, Rdata rdata) {
    const Zone* found = view_->find_zone(owner);
    if (!found) throw Error(wire_to_name(owner) + " is in no configured zone");
    Zone& zone = const_cast<Zone&>(*found);  // the view is still private to this builder
    Node& node = zone.node_for(lowercase(owner));
    auto [it, fresh] = node.rrsets.try_emplace(type);
    RRset& set = it->second;
    if (fresh) {
        set.type = type;
        set.ttl = ttl;
    }
    if (std::find(set.rdata.begin(), set.rdata.end(), rdata) == set.rdata.end()) set.rdata.push_back(std::move(rdata));
}

void ZoneView::Builder::set_answer_addresses(std::vector<SocketAddress> addresses) {
    view_->answer_ = std::move(addresses);
}

std::shared_ptr<const ZoneView> ZoneView::Builder::finish() {
    for (auto& [apex, zone] : view_->zones_) zone.build_index();
    for (const auto& [apex, zone] : view_->zones_)
        if (!zone.apex_node().find(rrtype::NS)) throw Error("zone " + wire_to_name(apex) + " has no NS records");
    std::shared_ptr<const ZoneView> out = std::move(view_);
    view_ = std::make_shared<ZoneView>();
    return out;
}

void ZoneView::Builder::add_set(WireName owner, RRset set) {
    if (set.rdata.empty()) return;
    const Zone* found = view_->find_zone(owner);
    if (!found) throw Error(wire_to_name(owner) + " is in no configured zone");
    Zone& zone = const_cast<Zone&>(*found);  // the view is still private to this builder
    const uint16_t type = set.type;
    Node& node = zone.node_for(lowercase(std::move(owner)));
    if (!node.rrsets.try_emplace(type, std::move(set)).second)
        throw Error(wire_to_name(node.owner) + " is defined twice (type " + std::to_string(type) + ")");
}

void ZoneView::Builder::set_geo(std::shared_ptr<const GeoRegions> geo) { view_->geo_ = std::move(geo); }

std::shared_ptr<const ZoneView> ZoneView::build(const Config& config) {
    Builder b;
    b.add_config(config);
    return b.finish();
}

void ZoneView::Builder::add_config(const Config& config) {
    Builder& b = *this;
    for (const auto& z : config.zones) {
        Soa soa;
        soa.mname = name_to_wire(z.soa.mname);
        soa.rname = name_to_wire(z.soa.rname);
        soa.serial = z.soa.serial;
        soa.refresh = z.soa.refresh;
        soa.retry = z.soa.retry;
        soa.expire = z.soa.expire;
        soa.minimum = z.negative_ttl;
        soa.ttl = z.soa.ttl;
        const WireName apex = name_to_wire(z.zone);
        b.add_zone(apex, soa);
        for (const auto& ns : z.ns) b.add(apex, rrtype::NS, z.ns_ttl, rdata_name(name_to_wire(ns)));
    }
    std::set<WireName, CanonicalLess> has_address;
    for (const auto& r : config.records) {
        const WireName owner = name_to_wire(r.name);
        for (const auto& a : r.a) b.add(owner, rrtype::A, r.ttl, rdata_a(a));
        for (const auto& a : r.aaaa) b.add(owner, rrtype::AAAA, r.ttl, rdata_aaaa(a));
        if (!r.cname.empty()) b.add(owner, rrtype::CNAME, r.ttl, rdata_name(name_to_wire(r.cname)));
        for (const auto& t : r.txt) b.add(owner, rrtype::TXT, r.ttl, rdata_txt(t));
        for (const auto& ns : r.ns) b.add(owner, rrtype::NS, r.ttl, rdata_name(name_to_wire(ns)));
        if (!r.a.empty() || !r.aaaa.empty()) has_address.insert(owner);
    }
    // The default name server is this daemon: its addresses are where dns.listen binds, unless
    // the operator gave ns1.<zone> addresses explicitly.
    for (const auto& z : config.zones) {
        if (!z.default_ns) continue;
        const WireName ns = name_to_wire(z.ns.front());
        if (has_address.count(ns)) continue;
        for (const auto& l : config.dns.listen) {
            if (l.is_wildcard()) continue;
            if (l.family == AF_INET) {
                Ipv4Address a;
                std::memcpy(a.data(), l.addr.data(), a.size());
                b.add(ns, rrtype::A, z.ns_ttl, rdata_a(a));
            } else {
                b.add(ns, rrtype::AAAA, z.ns_ttl, rdata_aaaa(l.addr));
            }
        }
    }
    b.set_answer_addresses(config.xdp.answer);
}

}  // namespace xgslb
