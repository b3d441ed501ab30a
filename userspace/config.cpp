#include "userspace/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "maps/xgslb_abi.h"
#include "userspace/config_fields.h"
#include "userspace/dns_name.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

using namespace config_detail;

ZoneConfig parse_zone(const Field& f) {
    check_keys(f, {"zone", "negativeTtl", "soa", "ns", "nsTtl"});
    if (!f.child("zone").present()) f.fail("missing key 'zone'");
    ZoneConfig z;
    z.zone = get_name(f.child("zone"), false);
    if (auto n = f.child("negativeTtl"); n.present()) z.negative_ttl = get_ttl(n);
    if (auto n = f.child("nsTtl"); n.present()) z.ns_ttl = get_ttl(n);
    if (auto n = f.child("ns"); n.present()) {
        z.ns = get_names(n);
        if (z.ns.empty()) n.fail("must list at least one name server (or be omitted)");
    } else {
        z.ns = {"ns1." + z.zone};
        z.default_ns = true;
    }
    if (auto soa = f.child("soa"); soa.present()) {
        check_keys(soa, {"mname", "rname", "serial", "refresh", "retry", "expire", "ttl"});
        if (auto n = soa.child("mname"); n.present()) z.soa.mname = get_name(n, false);
        if (auto n = soa.child("rname"); n.present()) z.soa.rname = get_name(n, false);
        if (auto n = soa.child("serial"); n.present()) z.soa.serial = get_uint(n, 0, UINT32_MAX);
        if (auto n = soa.child("refresh"); n.present()) z.soa.refresh = get_uint(n, 0, UINT32_MAX);
        if (auto n = soa.child("retry"); n.present()) z.soa.retry = get_uint(n, 0, UINT32_MAX);
        if (auto n = soa.child("expire"); n.present()) z.soa.expire = get_uint(n, 0, UINT32_MAX);
        if (auto n = soa.child("ttl"); n.present()) z.soa.ttl = get_ttl(n);
    }
    if (z.soa.mname.empty()) z.soa.mname = z.ns.front();
    if (z.soa.rname.empty()) z.soa.rname = "hostmaster." + z.zone;
    // Both are checked: "ns1." or "hostmaster." may push a long zone name over 255 octets.
    for (const std::string* n : {&z.ns.front(), &z.soa.rname}) {
        try {
            name_to_wire(*n);
        } catch (const Error& e) {
            f.fail("default name " + quoted(*n) + " is not valid: " + e.what());
        }
    }
    return z;
}

RecordConfig parse_record(const Field& f) {
    check_keys(f, {"name", "ttl", "a", "aaaa", "cname", "txt", "ns", "strategy", "targets"});
    if (!f.child("name").present()) f.fail("missing key 'name'");
    RecordConfig r;
    r.name = get_name(f.child("name"), true);
    if (auto n = f.child("ttl"); n.present()) r.ttl = get_ttl(n);
    if (auto n = f.child("a"); n.present())
        for_each_item(n, [&](const Field& i) { r.a.push_back(get_ipv4(i)); });
    if (auto n = f.child("aaaa"); n.present())
        for_each_item(n, [&](const Field& i) { r.aaaa.push_back(get_ipv6(i)); });
    if (auto n = f.child("cname"); n.present()) r.cname = get_name(n, false);
    if (auto n = f.child("txt"); n.present())
        for_each_item(n, [&](const Field& i) {
            r.txt.push_back(get_string(i));
            if (r.txt.back().size() > 255) i.fail("a TXT string is at most 255 octets");
        });
    if (auto n = f.child("ns"); n.present()) r.ns = get_names(n);
    parse_record_strategy(f, r);
    if (r.strategy && (!r.a.empty() || !r.aaaa.empty() || !r.cname.empty()))
        f.fail("a record with a strategy takes its addresses from 'targets', not a, aaaa or cname");
    const bool other_data =
        !r.a.empty() || !r.aaaa.empty() || !r.txt.empty() || !r.ns.empty() || r.strategy.has_value();
    if (!r.cname.empty() && other_data) f.fail("a CNAME cannot coexist with other data (RFC 1034 3.6.2)");
    if (r.cname.empty() && !other_data) f.fail("record has no data (a, aaaa, cname, txt or ns)");
    return r;
}

// The zone a record belongs to is the closest enclosing one, as a server would choose.
const ZoneConfig* closest_zone(const std::vector<ZoneConfig>& zones, const WireName& name) {
    const ZoneConfig* best = nullptr;
    size_t best_len = 0;
    for (const auto& z : zones) {
        const WireName apex = name_to_wire(z.zone);
        if (is_subdomain(name, apex) && (!best || apex.size() > best_len)) {
            best = &z;
            best_len = apex.size();
        }
    }
    return best;
}

void check_records(const Field& records, const Config& c) {
    std::map<std::string, size_t> first_index;
    for (size_t i = 0; i < c.records.size(); ++i) {
        const RecordConfig& r = c.records[i];
        const Field f = records.item(i);
        const Field name = f.child("name");
        const WireName wire = name_to_wire(r.name);
        const ZoneConfig* zone = closest_zone(c.zones, wire);
        if (!zone) name.fail(quoted(r.name) + " is outside every configured zone");
        const bool at_apex = lowercase(wire) == lowercase(name_to_wire(zone->zone));
        if (at_apex && !r.ns.empty()) f.child("ns").fail("the apex NS set is zones[].ns");
        if (at_apex && !r.cname.empty()) f.child("cname").fail("a zone apex cannot be a CNAME");
        auto [it, fresh] = first_index.emplace(canonical_name(r.name), i);
        if (!fresh) name.fail(quoted(r.name) + " is already defined by records[" + std::to_string(it->second) + "]");
    }
}

// A geoip record needs regions to be decided from.
void check_geoip_users(const Field& root, const Config& c) {
    if (c.geoip.configured()) return;
    for (size_t i = 0; i < c.records.size(); ++i)
        if (c.records[i].strategy && c.records[i].strategy->type == StrategyType::GeoIp)
            root.child("records").item(i).child("strategy").fail("type geoip needs a top-level 'geoip' section");
}

void check_zones(const Field& zones, const Config& c) {
    std::map<std::string, size_t> first_index;
    for (size_t i = 0; i < c.zones.size(); ++i) {
        auto [it, fresh] = first_index.emplace(canonical_name(c.zones[i].zone), i);
        if (!fresh)
            zones.item(i).child("zone").fail("duplicate zone " + quoted(c.zones[i].zone) + " (also zones[" +
                                             std::to_string(it->second) + "])");
    }
}

// The default NS needs an address, or the delegation to this server would be lame.
void check_default_glue(const Field& zones, const Config& c) {
    bool has_specific = false;
    for (const auto& a : c.dns.listen) has_specific = has_specific || !a.is_wildcard();
    for (size_t i = 0; i < c.zones.size(); ++i) {
        if (!c.zones[i].default_ns || has_specific) continue;
        const std::string ns = canonical_name(c.zones[i].ns.front());
        bool defined = false;
        for (const auto& r : c.records)
            defined = defined || (canonical_name(r.name) == ns && (!r.a.empty() || !r.aaaa.empty()));
        if (!defined)
            zones.item(i).fail("no ns given, and dns.listen has no specific address to use for " + quoted(ns) +
                               "; set ns or add a record for it");
    }
}

// RFC 4648 4, padded, nothing else (no whitespace, no line breaks), and not empty.
bool valid_base64(const std::string& s) {
    if (s.empty() || s.size() % 4 != 0) return false;
    const size_t pad = s.size() - s.find_last_not_of('=') - 1;
    if (pad > 2) return false;
    for (size_t i = 0; i < s.size() - pad; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (!std::isalnum(c) && c != '+' && c != '/') return false;
    }
    return true;
}

// A relative secretFile is relative to the config file, so the pair can move together.
std::string read_secret_file(const Field& f) {
    std::string path = get_string(f);
    if (path.empty()) f.fail("expected a file name");
    if (path.front() != '/' && f.source.find('/') != std::string::npos)
        path = f.source.substr(0, f.source.rfind('/') + 1) + path;
    std::ifstream in(path);
    if (!in) f.fail("cannot open " + quoted(path) + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    if (!valid_base64(s)) f.fail(quoted(path) + " does not hold one base64 secret");
    return s;
}

TsigKeyConfig parse_tsig_key(const Field& f) {
    check_keys(f, {"name", "algorithm", "secret", "secretFile"});
    if (!f.child("name").present()) f.fail("missing key 'name'");
    TsigKeyConfig k;
    k.name = get_name(f.child("name"), false);
    if (!f.child("algorithm").present()) f.fail("missing key 'algorithm'");
    // hmac-sha384 is left out: ldns 1.8.3 looks it up as "hmac-shac384." and never finds it.
    k.algorithm = get_choice(f.child("algorithm"), {"hmac-sha256", "hmac-sha512"});
    const Field secret = f.child("secret"), file = f.child("secretFile");
    if (secret.present() == file.present()) f.fail("exactly one of 'secret' and 'secretFile' is needed");
    if (secret.present()) {
        k.secret = get_string(secret);
        if (!valid_base64(k.secret)) secret.fail("not base64 (RFC 4648, padded, no spaces)");
    } else {
        k.secret = read_secret_file(file);
    }
    return k;
}

void parse_transfer(const Field& dns, DnsConfig& c) {
    std::map<std::string, size_t> first_index;
    if (auto keys = dns.child("tsigKeys"); keys.present())
        for_each_item(keys, [&](const Field& item) {
            c.tsig_keys.push_back(parse_tsig_key(item));
            auto [it, fresh] = first_index.emplace(canonical_name(c.tsig_keys.back().name), c.tsig_keys.size() - 1);
            if (!fresh)
                item.child("name").fail("duplicate key " + quoted(c.tsig_keys.back().name) + " (also dns.tsigKeys[" +
                                        std::to_string(it->second) + "])");
        });
    if (auto allow = dns.child("allowTransfer"); allow.present())
        for_each_item(allow, [&](const Field& item) {
            const std::string name = canonical_name(get_name(item, false));
            if (!first_index.count(name)) item.fail(quoted(item.node.Scalar()) + " is not a key in dns.tsigKeys");
            for (const std::string& seen : c.allow_transfer)
                if (seen == name) item.fail(quoted(item.node.Scalar()) + " is listed twice");
            c.allow_transfer.push_back(name);
        });
}

bool valid_instance(const std::string& s) {
    if (s.empty() || s.size() > 64 || s == "." || s == "..") return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

// The express table's default size: half the rrset limit, as a power of two (most sets of a
// full map do not fit a slot anyway: Weighted, Geo, large ones), within the table's bounds.
uint32_t default_express_slots(uint32_t max_rrsets) {
    const uint32_t half = std::bit_ceil(std::max<uint32_t>(max_rrsets, 2)) / 2;
    return std::clamp<uint32_t>(half, XGSLB_MIN_EXPRESS_SLOTS, XGSLB_MAX_EXPRESS_SLOTS);
}

Config parse_document(const YAML::Node& doc, const std::string& source) {
    const Field root{source, doc, "", 1};
    if (!doc.IsMap()) root.fail("expected a mapping at the top level");
    check_keys(root, {"instance", "logLevel", "logFormat", "geoTag", "zones", "xdp", "dns", "records", "geoip",
                      "source", "gslb", "rrl", "metrics"});
    Config c;
    c.source = source;

    if (!root.child("instance").present()) root.fail("missing key 'instance'");
    const Field instance = root.child("instance");
    c.instance = get_string(instance);
    // It names the pin directory under /sys/fs/bpf/xgslb/.
    if (!valid_instance(c.instance)) instance.fail(quoted(c.instance) + " must be 1-64 of [A-Za-z0-9._-]");
    if (auto n = root.child("logLevel"); n.present())
        c.log_level = get_choice(n, {"trace", "debug", "info", "warn", "error"});
    if (auto n = root.child("logFormat"); n.present()) c.log_format = get_choice(n, {"text", "json"});
    if (auto n = root.child("metrics"); n.present()) c.metrics = parse_metrics_config(n);
    if (auto n = root.child("geoTag"); n.present()) {
        c.geo_tag = get_string(n);
        // It becomes a DNS label of the cluster's NS name (gslb-ns-<geoTag>-...).
        if (!valid_geo_tag(c.geo_tag)) n.fail(quoted(c.geo_tag) + " must be 1-32 of [a-z0-9-]");
    }

    const Field dns = root.child("dns");
    if (!dns.present()) root.fail("missing key 'dns'");
    check_keys(dns, {"listen", "udpPayloadSize", "workers", "tcpIdleTimeoutMs", "tcpMaxConnections", "tsigKeys",
                     "allowTransfer"});
    if (!dns.child("listen").present()) dns.fail("missing key 'listen'");
    c.dns.listen = get_socket_addresses(dns.child("listen"));
    if (auto n = dns.child("udpPayloadSize"); n.present())
        c.dns.udp_payload_size = static_cast<uint16_t>(get_uint(n, 512, 4096));
    if (auto n = dns.child("workers"); n.present()) c.dns.workers = get_uint(n, 0, 1024);
    if (auto n = dns.child("tcpIdleTimeoutMs"); n.present()) c.dns.tcp_idle_timeout_ms = get_uint(n, 1, 3600000);
    if (auto n = dns.child("tcpMaxConnections"); n.present()) c.dns.tcp_max_connections = get_uint(n, 1, 65536);
    parse_transfer(dns, c.dns);

    if (auto xdp = root.child("xdp"); xdp.present()) {
        check_keys(xdp, {"interfaces", "mode", "keepAttached", "answer", "maxNames", "maxRrsets", "expressSlots"});
        if (auto n = xdp.child("maxNames"); n.present()) c.xdp.max_names = get_uint(n, 1024, 1u << 24);
        if (auto n = xdp.child("maxRrsets"); n.present()) c.xdp.max_rrsets = get_uint(n, 1024, 1u << 24);
        c.xdp.express_slots = default_express_slots(c.xdp.max_rrsets);
        if (auto n = xdp.child("expressSlots"); n.present()) {
            c.xdp.express_slots = get_uint(n, 0, XGSLB_MAX_EXPRESS_SLOTS);
            const uint32_t v = c.xdp.express_slots;
            // The program masks a hash with slots - 1.
            if (v != 0 && (v < XGSLB_MIN_EXPRESS_SLOTS || (v & (v - 1)) != 0))
                n.fail("must be 0 (off) or a power of two from " + std::to_string(XGSLB_MIN_EXPRESS_SLOTS) + " to " +
                       std::to_string(XGSLB_MAX_EXPRESS_SLOTS) + ", not " + std::to_string(v));
        }
        if (auto n = xdp.child("interfaces"); n.present())
            for_each_item(n, [&](const Field& i) {
                c.xdp.interfaces.push_back(get_string(i));
                if (c.xdp.interfaces.back().empty() || c.xdp.interfaces.back().size() >= 16)
                    i.fail("an interface name is 1-15 characters");
            });
        if (auto n = xdp.child("mode"); n.present()) c.xdp.mode = get_choice(n, {"auto", "native", "generic"});
        if (auto n = xdp.child("keepAttached"); n.present()) c.xdp.keep_attached = get_bool(n);
        if (auto n = xdp.child("answer"); n.present()) {
            c.xdp.answer = get_socket_addresses(n);
            for (size_t i = 0; i < c.xdp.answer.size(); ++i)
                if (c.xdp.answer[i].is_wildcard())
                    n.item(i).fail(quoted(c.xdp.answer[i].to_string()) +
                                   " is a wildcard; XDP matches exact destination addresses");
        }
    }
    // XDP matches the exact destination address, so a wildcard listen address gives it nothing
    // to match: only the specific ones carry over.
    if (!root.child("xdp").present() || !root.child("xdp").child("answer").present()) {
        for (const auto& a : c.dns.listen)
            if (!a.is_wildcard()) c.xdp.answer.push_back(a);
        if (c.xdp.answer.empty() && !c.xdp.interfaces.empty())
            dns.child("listen").fail("only wildcard addresses, so XDP would answer nothing; list the addresses "
                                     "in xdp.answer");
    }

    const Field zones = root.child("zones");
    if (!zones.present()) root.fail("missing key 'zones'");
    for_each_item(zones, [&](const Field& z) { c.zones.push_back(parse_zone(z)); });
    if (c.zones.empty()) zones.fail("must list at least one zone");
    check_zones(zones, c);

    if (auto records = root.child("records"); records.present()) {
        for_each_item(records, [&](const Field& r) { c.records.push_back(parse_record(r)); });
        check_records(records, c);
    }
    if (auto geoip = root.child("geoip"); geoip.present()) c.geoip = parse_geoip(geoip);
    check_geoip_users(root, c);
    if (auto gslb = root.child("gslb"); gslb.present()) {
        c.gslb = parse_gslb(gslb, c);
        apply_gslb_ns_default(c);
    }
    check_default_glue(zones, c);
    if (auto source = root.child("source"); source.present()) parse_source(source, c);
    if (auto n = root.child("rrl"); n.present()) c.rrl = parse_rrl_config(n);
    return c;
}

}  // namespace

bool SocketAddress::is_wildcard() const {
    for (uint8_t b : addr)
        if (b) return false;
    return true;
}

std::string SocketAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family, addr.data(), buf, sizeof buf);
    return family == AF_INET6 ? "[" + std::string(buf) + "]:" + std::to_string(port)
                              : std::string(buf) + ":" + std::to_string(port);
}

SocketAddress parse_socket_address(const std::string& text) {
    SocketAddress a;
    std::string host = text;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string::npos) throw Error(quoted(text) + ": missing ']'");
        host = text.substr(1, close - 1);
        const std::string rest = text.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') throw Error(quoted(text) + ": expected ':port' after ']'");
        if (!rest.empty()) port = rest.substr(1);
        if (port.empty() && !rest.empty()) throw Error(quoted(text) + ": empty port");
    } else if (text.find(':') == text.rfind(':') && text.find(':') != std::string::npos) {
        // One colon: IPv4 with a port. More than one: a bare IPv6 address.
        host = text.substr(0, text.find(':'));
        port = text.substr(text.find(':') + 1);
        if (port.empty()) throw Error(quoted(text) + ": empty port");
    }
    if (inet_pton(AF_INET, host.c_str(), a.addr.data()) == 1) {
        a.family = AF_INET;
    } else if (inet_pton(AF_INET6, host.c_str(), a.addr.data()) == 1) {
        a.family = AF_INET6;
    } else {
        throw Error(quoted(text) + " is not an IP address with an optional port");
    }
    if (a.family == AF_INET && text.front() == '[') throw Error(quoted(text) + ": brackets are for IPv6 only");
    if (!port.empty()) {
        unsigned v = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
        if (ec != std::errc() || end != port.data() + port.size() || v == 0 || v > 65535)
            throw Error(quoted(text) + ": port must be 1..65535");
        a.port = static_cast<uint16_t>(v);
    }
    return a;
}

Config parse_config(const std::string& yaml_text, const std::string& source) {
    YAML::Node doc;
    try {
        doc = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
        throw Error(source + ":" + std::to_string(line) + ": YAML syntax: " + e.msg);
    }
    return parse_document(doc, source);
}

Config load_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path);
}

}  // namespace xgslb
