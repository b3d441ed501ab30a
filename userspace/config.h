// The daemon's YAML configuration, parsed strictly: every problem is reported as
// "file:line: field.path: what is wrong" so a typo is found before anything is published.
// Defaults are resolved here (NS, SOA names, xdp.answer), so consumers never guess.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strategies/ip_prefix.h"
#include "userspace/cluster/kubernetes_source_config.h"
#include "userspace/gslb_model.h"
#include "userspace/ip_address.h"

namespace xgslb {

// An address and port as the XDP listen map and sockets want them: binary, not text.
struct SocketAddress {
    int family = 0;                 // AF_INET or AF_INET6
    std::array<uint8_t, 16> addr{}; // IPv4 in the first 4 octets, the rest zero
    uint16_t port = 53;             // host byte order

    bool is_wildcard() const;       // 0.0.0.0 or ::
    std::string to_string() const;  // "10.77.0.2:53", "[2001:db8::1]:53"
    friend bool operator==(const SocketAddress&, const SocketAddress&) = default;
};

struct SoaConfig {
    std::string mname;  // default: the first NS
    std::string rname;  // default: hostmaster.<zone>
    uint32_t serial = 1;
    uint32_t refresh = 7200;
    uint32_t retry = 1800;
    uint32_t expire = 1209600;
    uint32_t ttl = 3600;
};

struct ZoneConfig {
    std::string zone;               // as written, validated
    uint32_t negative_ttl = 30;     // the SOA minimum (RFC 2308)
    SoaConfig soa;
    std::vector<std::string> ns;    // default: ["ns1.<zone>"]
    bool default_ns = false;        // ns was omitted: ns1.<zone> gets glue from dns.listen
    uint32_t ns_ttl = 3600;
};

// Static records. a/aaaa are what the XDP program serves; cname/txt/ns exist so the rest of
// the pipeline (flags, delegations, slow path) can be exercised from a config file.
struct RecordConfig {
    std::string name;
    uint32_t ttl = 30;
    std::vector<Ipv4Address> a;
    std::vector<Ipv6Address> aaaa;
    std::string cname;              // empty: none
    std::vector<std::string> txt;
    std::vector<std::string> ns;    // a delegation (zone cut) at `name`
    // A GSLB record: a strategy over per-geo-tag targets (issue 5), instead of a/aaaa.
    std::optional<StrategySpec> strategy;
    std::map<std::string, TargetSet> targets;  // geo tag -> addresses
};

// Where GeoIP regions come from (strategy geoip): CIDR lists, or a MaxMind DB's string field.
struct GeoIpConfig {
    std::map<std::string, std::vector<IpPrefix>> regions;  // region name -> prefixes
    std::string mmdb_path;                                 // resolved against the config's directory
    std::string mmdb_field = "datacenter";                 // k8gb's default
    bool configured() const { return !regions.empty() || !mmdb_path.empty(); }
};

struct XdpConfig {
    std::vector<std::string> interfaces;
    uint32_t max_names = 65536;     // map capacities (XGSLB_DEFAULT_MAX_*); a restart applies them
    uint32_t max_rrsets = 131072;
    // Slots of the express table (maps/xgslb_abi.h, 384 octets each): 0 (off) or a power of two;
    // by default half of maxRrsets rounded up to a power of two (65536: 24 MiB).
    uint32_t express_slots = 65536;
    std::string mode = "auto";      // "auto" | "native" | "generic" (see parse_attach_mode)
    bool keep_attached = false;
    std::vector<SocketAddress> answer;  // never wildcards; default: the specific dns.listen ones
};

// A TSIG key (RFC 8945) for zone transfers.
struct TsigKeyConfig {
    std::string name;       // as written, validated
    std::string algorithm;  // "hmac-sha256" | "hmac-sha512"
    std::string secret;     // base64, validated (from `secret` or the file `secretFile`)
    friend bool operator==(const TsigKeyConfig&, const TsigKeyConfig&) = default;
};

struct DnsConfig {
    std::vector<SocketAddress> listen;
    uint16_t udp_payload_size = 1232;
    // The slow-path server (userspace/dns_server.h).
    unsigned workers = 0;                  // threads, each with its own ring and sockets; 0: one per CPU
    uint32_t tcp_idle_timeout_ms = 10000;  // RFC 7766 6.2.3: close idle TCP connections
    uint32_t tcp_max_connections = 256;    // per worker; more are accepted and closed at once
    std::vector<TsigKeyConfig> tsig_keys;
    std::vector<std::string> allow_transfer;  // tsig_keys names (canonical); empty: AXFR/IXFR refused
};

// The operations endpoint (userspace/daemon_metrics.h): /metrics, /healthz, /readyz.
struct MetricsConfig {
    std::optional<SocketAddress> listen;  // absent: no endpoint
};

// Where GSLB hosts come from besides static records (userspace/cluster/): a directory of
// Kubernetes manifests, or the Kubernetes API.
enum class SourceKind { None, Manifests, Kubernetes };

// KubernetesSourceConfig (kubeconfig "" = in-cluster, Lease, timeouts): the API source's own header.

struct SourceConfig {
    SourceKind kind = SourceKind::None;
    std::string manifests;              // the directory, resolved against the config file's
    KubernetesSourceConfig kubernetes;
    bool health_all = false;            // healthPolicy: All (every backend service healthy); default Any
    uint32_t resync_seconds = 300;      // the controller re-runs at least this often
    friend bool operator==(const SourceConfig&, const SourceConfig&) = default;
};

// How the edge DNS is told about this cluster (userspace/edge/edge_updater.h): RFC 2136 UPDATEs
// signed with a key of dns.tsigKeys, as k8gb's ExternalDNS (RFC 2136 provider) would send them.
struct EdgeUpdateConfig {
    std::string tsig_key;                   // a dns.tsigKeys name, canonical ("edge-key.")
    std::vector<SocketAddress> ns_addresses;  // our glue; default: the specific dns.listen ones (port ignored)
    uint32_t ttl = 30;                      // of the NS and glue records (k8gb's nsRecordTTL default)
    friend bool operator==(const EdgeUpdateConfig&, const EdgeUpdateConfig&) = default;
};

// The multi-cluster part (issue 6), k8gb's names: dnsZone, edgeDNSZone, edgeDNSServers,
// clusterGeoTag (top-level geoTag) and extGslbClustersGeoTags (here every tag, ours included).
struct GslbConfig {
    std::string zone;                       // the delegated zone, one of zones[] (k8gb dnsZone)
    std::string edge_zone;                  // the parent the edge DNS serves (k8gb edgeDNSZone)
    std::vector<SocketAddress> edge_servers;  // asked in order for the peers' NS names (k8gb edgeDNSServers)
    std::vector<std::string> geo_tags;      // every cluster's tag, ours included
    uint32_t peer_poll_interval_ms = 1000;  // k8gb reconciles every 30 s
    uint32_t peer_timeout_ms = 300;         // per query, before trying the next server
    uint32_t peer_drop_after_ms = 5000;     // a peer silent this long is dropped
    std::optional<EdgeUpdateConfig> edge_update;  // absent: the delegation is maintained by someone else
    friend bool operator==(const GslbConfig&, const GslbConfig&) = default;
};

// Response rate limiting in XDP (bpf/rrl.h, the RRL section of maps/xgslb_abi.h). On by default:
// 1000 responses per second per client prefix and CPU is far above what one resolver farm asks
// of one authoritative server, and far below what a reflection attack wants to send.
struct RrlConfig {
    struct Prefix {
        int family = 0;                  // AF_INET or AF_INET6
        std::array<uint8_t, 16> addr{};  // IPv4 in the first 4 octets; bits past `length` zero
        uint8_t length = 0;
        friend bool operator==(const Prefix&, const Prefix&) = default;
    };
    uint32_t responses_per_second = 1000;  // per client prefix and CPU; also the burst; 0: off
    uint32_t slip = 2;                     // every slip-th over-limit query gets TC=1; 0: never
    uint8_t ipv4_prefix = 24;              // source bits that name a client
    uint8_t ipv6_prefix = 56;
    std::vector<Prefix> allow;             // never limited
    friend bool operator==(const RrlConfig&, const RrlConfig&) = default;
};

struct Config {
    std::string source;             // file the config came from, for later messages
    std::string instance;
    std::string log_level = "info"; // trace | debug | info | warn | error
    std::string log_format = "text"; // text (key=value) | json, one object per line
    std::string geo_tag;            // this cluster's geo tag (k8gb clusterGeoTag); "" for a single node
    std::vector<ZoneConfig> zones;
    XdpConfig xdp;
    DnsConfig dns;
    std::vector<RecordConfig> records;
    MetricsConfig metrics;
    GeoIpConfig geoip;
    SourceConfig cluster_source;  // `source:`
    std::optional<GslbConfig> gslb;  // absent: a single cluster, no peers, no edge updates
    RrlConfig rrl;
};

namespace config_detail {
struct Field;
// userspace/config_gslb.cpp: the `gslb:` section, checked against zones, geoTag and dns.tsigKeys.
GslbConfig parse_gslb(const Field& f, const Config& c);
// A gslb zone whose `ns` was omitted is served with every cluster's NS name (gslb_ns_names()),
// as the edge delegates it, instead of ns1.<zone>.
void apply_gslb_ns_default(Config& c);
}  // namespace config_detail

// Throws xgslb::Error naming the file, line and field of the first problem found.
Config load_config(const std::string& path);

// The same from text; `source` stands in for the file name in messages.
Config parse_config(const std::string& yaml_text, const std::string& source);

// "10.77.0.2:53", "10.77.0.2", "[2001:db8::1]:53", "2001:db8::1" (port default 53).
// Throws xgslb::Error with a message that does not include a location.
SocketAddress parse_socket_address(const std::string& text);

}  // namespace xgslb
