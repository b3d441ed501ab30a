// GeoIP regions: which region a client (or a target) address is in. Built from the config's
// CIDR lists or from a MaxMind DB, and flattened into the prefix list the XDP program's LPM trie
// holds, so the kernel and the slow path find the same region with the same prefix length.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "strategies/ip_prefix.h"
#include "userspace/ip_address.h"

namespace xgslb {

class GeoRegions {
public:
    // Region ids are 1..N in name order; 0 means "no region".
    struct Prefix {
        IpPrefix prefix;
        uint32_t region = 0;
        friend bool operator==(const Prefix&, const Prefix&) = default;
    };
    struct Match {
        uint32_t region = 0;     // 0: no prefix matched
        uint8_t prefix_len = 0;  // of the matched prefix: the ECS scope (RFC 7871 7.2.1)
        friend bool operator==(const Match&, const Match&) = default;
    };

    GeoRegions() = default;
    // Throws xgslb::Error when a prefix is listed under two regions.
    static GeoRegions from_cidrs(const std::map<std::string, std::vector<IpPrefix>>& regions);
    // Every network of the database whose `field` (a string; dots for nested maps, e.g.
    // "location.datacenter") is set. Throws xgslb::Error naming the file on any problem.
    static GeoRegions from_mmdb(const std::string& path, const std::string& field);

    // The longest prefix of at most `source_len` bits containing `addr` (4 or 16 octets).
    Match lookup(int family, const uint8_t* addr, unsigned source_len) const;
    uint32_t region_of(const Ipv4Address& a) const;  // a target's own region, 0 when none
    uint32_t region_of(const Ipv6Address& a) const;

    uint32_t id(const std::string& name) const;       // 0 when unknown
    const std::string& name(uint32_t region) const;   // "" for 0 or unknown
    size_t region_count() const { return names_.size(); }
    // Flattened, sorted, one region per prefix: what the LPM trie map is filled from.
    const std::vector<Prefix>& prefixes() const { return prefixes_; }

private:
    void add(const IpPrefix& prefix, const std::string& region);
    void finish();

    std::vector<std::string> names_;  // names_[id - 1]
    std::vector<Prefix> prefixes_;
    // family -> length -> masked address octets -> region, longest lengths first.
    std::map<int, std::map<unsigned, std::unordered_map<std::string, uint32_t>, std::greater<>>> index_;
};

}  // namespace xgslb
