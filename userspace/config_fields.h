// The strict YAML reading shared by every config section parser: a Field knows its file, line
// and path, and every getter fails with "file:line: path: what is wrong". Sections live in
// their own files (config_<section>.cpp) and use only these.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "userspace/config.h"
#include "userspace/error.h"

namespace xgslb::config_detail {

// A node together with where it came from, so every error can say file:line: path.
struct Field {
    const std::string& source;
    YAML::Node node;
    std::string path;
    int line;  // 1-based; inherited from the parent when yaml-cpp has no mark (absent keys)

    Field child(const std::string& key) const {
        YAML::Node n = node[key];
        return {source, n, path.empty() ? key : path + "." + key, line_of(n, line)};
    }
    Field item(size_t i) const {
        YAML::Node n = node[i];
        return {source, n, path + "[" + std::to_string(i) + "]", line_of(n, line)};
    }
    bool present() const { return node.IsDefined(); }

    [[noreturn]] void fail(const std::string& what) const {
        throw Error(source + ":" + std::to_string(line) + ": " + (path.empty() ? "" : path + ": ") + what);
    }

    static int line_of(const YAML::Node& n, int fallback) {
        if (!n.IsDefined()) return fallback;
        const YAML::Mark m = n.Mark();
        return m.is_null() ? fallback : m.line + 1;
    }
};

std::string quoted(const std::string& s);

// Unknown keys are errors: a misspelt optional key would otherwise silently take its default.
void check_keys(const Field& f, std::initializer_list<const char*> allowed);
std::string get_string(const Field& f);
uint32_t get_uint(const Field& f, uint32_t min, uint32_t max);
uint32_t get_ttl(const Field& f);  // RFC 2181 8: TTLs are 31-bit
bool get_bool(const Field& f);
std::string get_choice(const Field& f, std::initializer_list<const char*> choices);

template <typename Fn>
void for_each_item(const Field& f, Fn fn) {
    if (!f.node.IsSequence()) f.fail("expected a list");
    for (size_t i = 0; i < f.node.size(); ++i) fn(f.item(i));
}

// Validated, as written; `allow_wildcard` permits "*" as the first label only.
std::string get_name(const Field& f, bool allow_wildcard);
std::vector<std::string> get_names(const Field& f);
SocketAddress get_socket_address(const Field& f);
std::vector<SocketAddress> get_socket_addresses(const Field& f);  // at least one, no repeats
Ipv4Address get_ipv4(const Field& f);
// A geo tag becomes a DNS label of a cluster's NS name (gslb-ns-<geoTag>-...): 1-32 of [a-z0-9-].
bool valid_geo_tag(const std::string& s);
Ipv6Address get_ipv6(const Field& f);

// Sections parsed in their own files.
GeoIpConfig parse_geoip(const Field& f);                  // config_geoip.cpp
void parse_record_strategy(const Field& f, RecordConfig& r);  // config_geoip.cpp: strategy + targets
MetricsConfig parse_metrics_config(const Field& f);       // config_metrics.cpp
// `source:` (config_source.cpp): fills c.cluster_source; paths are relative to the config file.
void parse_source(const Field& source, Config& c);
// config_kubernetes.cpp: source.kubernetes' API client settings (kubeconfig is left to the caller).
void parse_kubernetes_source(const Field& f, KubernetesSourceConfig& k);
RrlConfig parse_rrl_config(const Field& f);                 // config_rrl.cpp

}  // namespace xgslb::config_detail
