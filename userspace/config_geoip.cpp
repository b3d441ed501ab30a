// The strategy parts of the config (issue 5): a static record's `strategy:` and `targets:`,
// and the top-level `geoip:` section the geoip strategy takes its regions from.
#include <algorithm>
#include <cctype>
#include <set>

#include "userspace/config_fields.h"

namespace xgslb::config_detail {

namespace {

bool valid_tag(const std::string& s) {
    if (s.empty() || s.size() > 32) return false;
    for (char c : s)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
            return false;
    return true;
}

// Keys of a mapping, each checked as a geo tag (k8gb's clusterGeoTag).
template <typename Fn>
void for_each_tag(const Field& f, Fn fn) {
    if (!f.node.IsMap()) f.fail("expected a mapping of geo tag to value");
    for (const auto& kv : f.node) {
        const std::string tag = kv.first.as<std::string>();
        const Field value = f.child(tag);
        if (!valid_tag(tag)) value.fail(quoted(tag) + " is not a geo tag (1-32 of [a-z0-9-])");
        fn(tag, value);
    }
}

StrategySpec parse_strategy(const Field& f) {
    check_keys(f, {"type", "weight", "primaryGeoTag"});
    if (!f.child("type").present()) f.fail("missing key 'type'");
    StrategySpec s;
    const std::string type = get_choice(f.child("type"), {"roundRobin", "failover", "geoip"});
    s.type = type == "failover" ? StrategyType::Failover : type == "geoip" ? StrategyType::GeoIp : StrategyType::RoundRobin;
    if (auto w = f.child("weight"); w.present()) {
        if (s.type != StrategyType::RoundRobin) w.fail("weights are for type roundRobin only");
        for_each_tag(w, [&](const std::string& tag, const Field& v) { s.weights[tag] = get_uint(v, 0, 1000); });
        if (s.weights.empty()) w.fail("must list at least one geo tag (or be omitted)");
    }
    if (auto p = f.child("primaryGeoTag"); p.present()) {
        if (s.type != StrategyType::Failover) p.fail("primaryGeoTag is for type failover only");
        s.primary_geo_tag = get_string(p);
        if (!valid_tag(s.primary_geo_tag)) p.fail(quoted(s.primary_geo_tag) + " is not a geo tag");
    } else if (s.type == StrategyType::Failover) {
        f.fail("type failover needs 'primaryGeoTag'");
    }
    return s;
}

}  // namespace

void parse_record_strategy(const Field& f, RecordConfig& r) {
    const Field strategy = f.child("strategy"), targets = f.child("targets");
    if (!strategy.present() && !targets.present()) return;
    if (!strategy.present()) f.fail("'targets' needs a 'strategy'");
    if (!targets.present()) f.fail("'strategy' needs 'targets' (geo tag -> addresses)");
    r.strategy = parse_strategy(strategy);
    for_each_tag(targets, [&](const std::string& tag, const Field& list) {
        TargetSet& set = r.targets[tag];
        for_each_item(list, [&](const Field& item) {
            if (get_string(item).find(':') != std::string::npos) {
                const Ipv6Address a = get_ipv6(item);
                if (std::find(set.aaaa.begin(), set.aaaa.end(), a) != set.aaaa.end()) item.fail("listed twice");
                set.aaaa.push_back(a);
            } else {
                const Ipv4Address a = get_ipv4(item);
                if (std::find(set.a.begin(), set.a.end(), a) != set.a.end()) item.fail("listed twice");
                set.a.push_back(a);
            }
        });
    });
}

GeoIpConfig parse_geoip(const Field& f) {
    check_keys(f, {"regions", "mmdb"});
    const Field regions = f.child("regions"), mmdb = f.child("mmdb");
    if (regions.present() == mmdb.present()) f.fail("exactly one of 'regions' and 'mmdb' is needed");
    GeoIpConfig g;
    if (regions.present()) {
        if (!regions.node.IsMap() || regions.node.size() == 0) regions.fail("expected a mapping of region to prefixes");
        std::set<IpPrefix> seen;
        for (const auto& kv : regions.node) {
            const std::string name = kv.first.as<std::string>();
            const Field list = regions.child(name);
            if (name.empty()) list.fail("a region needs a name");
            auto& prefixes = g.regions[name];
            for_each_item(list, [&](const Field& item) {
                try {
                    prefixes.push_back(parse_ip_prefix(get_string(item)));
                } catch (const Error& e) {
                    item.fail(e.what());
                }
                if (!seen.insert(prefixes.back()).second) item.fail(to_string(prefixes.back()) + " is listed twice");
            });
        }
    } else {
        check_keys(mmdb, {"path", "field"});
        if (!mmdb.child("path").present()) mmdb.fail("missing key 'path'");
        g.mmdb_path = get_string(mmdb.child("path"));
        if (g.mmdb_path.empty()) mmdb.child("path").fail("expected a file name");
        if (g.mmdb_path.front() != '/' && f.source.find('/') != std::string::npos)
            g.mmdb_path = f.source.substr(0, f.source.rfind('/') + 1) + g.mmdb_path;
        if (auto field = mmdb.child("field"); field.present()) {
            g.mmdb_field = get_string(field);
            if (g.mmdb_field.empty()) field.fail("expected a field name (dots for nested maps)");
        }
    }
    return g;
}

}  // namespace xgslb::config_detail
