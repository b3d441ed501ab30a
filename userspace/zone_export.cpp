#include "userspace/zone_export.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "userspace/error.h"

namespace xgslb {

namespace {

void append_escaped_octet(std::string& out, uint8_t c) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\%03u", c);
    out += buf;
}

// One label's octets as RFC 1035 5.1 text: characters a zone parser would take as syntax are
// backslash-escaped, everything outside printable ASCII is \DDD.
void append_label(std::string& out, const uint8_t* p, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        const uint8_t c = p[i];
        if (c < 0x21 || c > 0x7e)
            append_escaped_octet(out, c);
        else if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' || c == '$')
            out += {'\\', static_cast<char>(c)};
        else
            out.push_back(static_cast<char>(c));
    }
}

// The uncompressed name at `pos` of `wire` as absolute text; advances `pos` past it. nullopt
// when it is not a well-formed name ending inside `wire`.
std::optional<std::string> read_name(const Rdata& wire, size_t& pos) {
    std::string out;
    size_t total = 0;
    while (pos < wire.size()) {
        const uint8_t len = wire[pos++];
        total += 1u + len;
        if (len == 0) return out.empty() ? "." : out;
        if (len > 63 || pos + len > wire.size() || total > 255) return std::nullopt;
        append_label(out, wire.data() + pos, len);
        out.push_back('.');
        pos += len;
    }
    return std::nullopt;
}

std::optional<uint32_t> read_u32(const Rdata& wire, size_t& pos) {
    if (pos + 4 > wire.size()) return std::nullopt;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | wire[pos++];
    return v;
}

std::optional<std::string> address_text(const Rdata& rdata, int family, size_t len) {
    if (rdata.size() != len) return std::nullopt;
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(family, rdata.data(), text, sizeof text)) return std::nullopt;
    return std::string(text);
}

std::optional<std::string> names_text(const Rdata& rdata, size_t count) {
    size_t pos = 0;
    std::string out;
    for (size_t i = 0; i < count; ++i) {
        const auto name = read_name(rdata, pos);
        if (!name) return std::nullopt;
        out += (i ? " " : "") + *name;
    }
    if (pos != rdata.size()) return std::nullopt;
    return out;
}

std::optional<std::string> soa_text(const Rdata& rdata) {
    size_t pos = 0;
    const auto mname = read_name(rdata, pos);
    const auto rname = mname ? read_name(rdata, pos) : std::nullopt;
    if (!rname) return std::nullopt;
    std::string out = *mname + " " + *rname;
    for (int i = 0; i < 5; ++i) {
        const auto v = read_u32(rdata, pos);
        if (!v) return std::nullopt;
        out += " " + std::to_string(*v);
    }
    if (pos != rdata.size()) return std::nullopt;
    return out;
}

// RFC 1035 3.3.14: one or more <character-string>s, each quoted here.
std::optional<std::string> txt_text(const Rdata& rdata) {
    if (rdata.empty()) return std::nullopt;
    std::string out;
    for (size_t pos = 0; pos < rdata.size();) {
        const size_t len = rdata[pos++];
        if (pos + len > rdata.size()) return std::nullopt;
        out += out.empty() ? "\"" : " \"";
        for (size_t i = 0; i < len; ++i) {
            const uint8_t c = rdata[pos + i];
            if (c < 0x20 || c > 0x7e)
                append_escaped_octet(out, c);
            else if (c == '"' || c == '\\')
                out += {'\\', static_cast<char>(c)};
            else
                out.push_back(static_cast<char>(c));
        }
        out.push_back('"');
        pos += len;
    }
    return out;
}

const char* type_mnemonic(uint16_t type) {
    switch (type) {
        case rrtype::A: return "A";
        case rrtype::NS: return "NS";
        case rrtype::CNAME: return "CNAME";
        case rrtype::SOA: return "SOA";
        case rrtype::TXT: return "TXT";
        case rrtype::AAAA: return "AAAA";
        case rrtype::DNAME: return "DNAME";
        default: return nullptr;
    }
}

std::optional<std::string> rdata_text(uint16_t type, const Rdata& rdata) {
    switch (type) {
        case rrtype::A: return address_text(rdata, AF_INET, 4);
        case rrtype::AAAA: return address_text(rdata, AF_INET6, 16);
        case rrtype::NS:
        case rrtype::CNAME:
        case rrtype::DNAME: return names_text(rdata, 1);
        case rrtype::SOA: return soa_text(rdata);
        case rrtype::TXT: return txt_text(rdata);
        default: return std::nullopt;
    }
}

// "<owner> <ttl> IN <type> <rdata>", in RFC 3597 form when the type or the rdata has no
// presentation here (a mnemonic with \# rdata is legal too, but TYPEn reads the same everywhere).
void append_record(std::string& out, const std::string& owner, uint16_t type, uint32_t ttl, const Rdata& rdata) {
    out += owner + " " + std::to_string(ttl) + " IN ";
    const char* mnemonic = type_mnemonic(type);
    if (mnemonic) {
        if (const auto text = rdata_text(type, rdata)) {
            out += std::string(mnemonic) + " " + *text + "\n";
            return;
        }
    }
    out += "TYPE" + std::to_string(type) + " \\# " + std::to_string(rdata.size());
    if (!rdata.empty()) out.push_back(' ');
    static const char hex[] = "0123456789abcdef";
    for (uint8_t c : rdata) out += {hex[c >> 4], hex[c & 15]};
    out.push_back('\n');
}

void append_rrset(std::string& out, const std::string& owner, const RRset& set) {
    std::vector<const Rdata*> sorted;
    for (const Rdata& rd : set.rdata) sorted.push_back(&rd);
    std::sort(sorted.begin(), sorted.end(), [](const Rdata* a, const Rdata* b) { return *a < *b; });
    for (const Rdata* rd : sorted) append_record(out, owner, set.type, set.ttl, *rd);
}

std::string owner_text(const WireName& owner) {
    size_t pos = 0;
    const auto text = read_name(owner, pos);
    if (!text) throw Error("zone export: malformed owner name in the view");
    return *text;
}

}  // namespace

std::string export_zone(const Zone& zone) {
    const std::string apex = owner_text(zone.apex());
    std::string out = "; zone " + apex + "\n";
    const Node& apex_node = zone.apex_node();
    if (const RRset* soa = apex_node.find(rrtype::SOA)) append_rrset(out, apex, *soa);
    for (const Node* n : zone.nodes()) {
        const Node& node = *n;
        const std::string owner = owner_text(node.owner);
        for (const auto& [type, set] : node.rrsets)
            if (!(&node == &apex_node && type == rrtype::SOA)) append_rrset(out, owner, set);
    }
    return out;
}

std::string export_zones(const ZoneView& view) {
    std::string out;
    for (const auto& [apex, zone] : view.zones()) out += export_zone(zone);
    return out;
}

const Zone& find_zone_by_apex(const ZoneView& view, const std::string& name) {
    WireName apex;
    try {
        apex = name_to_wire(name);
    } catch (const Error& e) {
        throw Error("'" + name + "' is not a domain name: " + e.what());
    }
    const auto it = view.zones().find(apex);
    if (it != view.zones().end()) return it->second;
    std::string served;
    for (const auto& [a, zone] : view.zones()) served += (served.empty() ? "" : ", ") + owner_text(a);
    throw Error("no zone " + owner_text(lowercase(apex)) + " is served (zones: " +
                (served.empty() ? "none" : served) + ")");
}

}  // namespace xgslb
