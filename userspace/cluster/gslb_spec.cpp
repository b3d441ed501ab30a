#include "userspace/cluster/gslb_spec.h"

#include <charconv>

#include "userspace/cluster/k8s_object.h"
#include "userspace/dns_name.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

// Kubernetes integers arrive as JSON numbers; annotations and older k8gb weights as strings.
uint32_t to_uint(const nlohmann::json& v, uint32_t max, const std::string& what) {
    int64_t n = -1;
    if (v.is_number_integer()) {
        n = v.get<int64_t>();
    } else if (v.is_string()) {
        std::string s = v.get<std::string>();
        if (!s.empty() && s.back() == '%') s.pop_back();
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc() || end != s.data() + s.size()) n = -1;
    }
    if (n < 0 || n > static_cast<int64_t>(max))
        throw Error(what + ": expected an integer 0.." + std::to_string(max) + ", got " + v.dump());
    return static_cast<uint32_t>(n);
}

StrategyType parse_type(const std::string& type, const std::string& what) {
    if (type == "roundRobin") return StrategyType::RoundRobin;
    if (type == "failover") return StrategyType::Failover;
    if (type == "geoip") return StrategyType::GeoIp;
    throw Error(what + ": '" + type + "' is not roundRobin, failover or geoip");
}

}  // namespace

GslbStrategy parse_gslb_strategy(const nlohmann::json& gslb) {
    const nlohmann::json* s = json_at(gslb, {"spec", "strategy"});
    if (!s || !s->is_object()) throw Error("spec.strategy: missing");
    GslbStrategy out;
    out.spec.type = parse_type(json_string(*s, {"type"}), "spec.strategy.type");
    if (const nlohmann::json* w = json_at(*s, {"weight"}); w && !w->is_null()) {
        if (!w->is_object()) throw Error("spec.strategy.weight: expected a map of geo tag to weight");
        for (const auto& [tag, value] : w->items())
            out.spec.weights[tag] = to_uint(value, 1000, "spec.strategy.weight." + tag);
    }
    out.spec.primary_geo_tag = json_string(*s, {"primaryGeoTag"});
    if (out.spec.type == StrategyType::Failover && out.spec.primary_geo_tag.empty())
        throw Error("spec.strategy.primaryGeoTag: required by the failover strategy");
    if (const nlohmann::json* ttl = json_at(*s, {"dnsTtlSeconds"}); ttl && !ttl->is_null()) {
        out.ttl = to_uint(*ttl, 0x7fffffff, "spec.strategy.dnsTtlSeconds");  // RFC 2181 8
        if (out.ttl == 0) out.ttl = kDefaultDnsTtlSeconds;  // omitempty: k8gb reads 0 as unset
    }
    return out;
}

nlohmann::json strategy_from_annotations(const nlohmann::json& annotations) {
    nlohmann::json strategy = nlohmann::json::object();
    const std::string type = json_string(annotations, {"k8gb.io/strategy"});
    parse_type(type, "annotation k8gb.io/strategy");
    strategy["type"] = type;
    const std::string primary = json_string(annotations, {"k8gb.io/primary-geotag"});
    if (!primary.empty()) strategy["primaryGeoTag"] = primary;
    if (type == "failover" && primary.empty())
        throw Error("annotation k8gb.io/primary-geotag: required by the failover strategy");
    if (const nlohmann::json* ttl = json_at(annotations, {"k8gb.io/dns-ttl-seconds"}))
        strategy["dnsTtlSeconds"] = to_uint(*ttl, 0x7fffffff, "annotation k8gb.io/dns-ttl-seconds");
    return strategy;
}

namespace {

// A host of letters, digits, '-' and '_' in labels of 1..63 octets is its own canonical form once
// lowercased: nothing in it is escaped. Every rule's host goes through here (100k at scale), so
// such names skip the three allocations of the round trip through wire form.
bool lowercase_plain_host(const std::string& host, std::string& out) {
    const size_t len = host.size() - (host.back() == '.' ? 1 : 0);
    if (len == 0 || len > 253) return false;  // 253 octets of text are 255 of wire form
    out.resize(len);
    size_t label = 0;
    for (size_t i = 0; i < len; ++i) {
        const char c = host[i];
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            ++label;
        } else if (c >= 'A' && c <= 'Z') {
            ++label;
            out[i] = static_cast<char>(c - 'A' + 'a');
            continue;
        } else {
            return false;
        }
        if (label > 63) return false;
        out[i] = c;
    }
    return label > 0;
}

}  // namespace

std::string normalize_host(const std::string& host) {
    if (host.empty()) throw Error("a rule without a host");
    if (host[0] == '*') throw Error("'" + host + "': wildcard hosts are not load balanced");
    if (std::string plain; lowercase_plain_host(host, plain)) return plain;
    std::string name = canonical_name(host);  // validates, lowercases, adds the trailing dot
    name.pop_back();
    return name;
}

}  // namespace xgslb
