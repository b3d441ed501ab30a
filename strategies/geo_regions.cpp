#include "strategies/geo_regions.h"

#include <algorithm>
#include <set>

#include "userspace/error.h"

namespace xgslb {

namespace {

size_t address_bytes(int family) { return family == AF_INET6 ? 16 : 4; }

std::string key_of(const uint8_t* addr, size_t bytes, unsigned length) {
    const auto masked = mask_address(addr, bytes, length);
    return std::string(reinterpret_cast<const char*>(masked.data()), bytes);
}

}  // namespace

GeoRegions GeoRegions::from_cidrs(const std::map<std::string, std::vector<IpPrefix>>& regions) {
    GeoRegions g;
    for (const auto& [name, list] : regions) g.names_.push_back(name);  // std::map: name order
    std::map<IpPrefix, std::string> owner;
    for (const auto& [name, list] : regions)
        for (const IpPrefix& p : list) {
            auto [it, fresh] = owner.emplace(p, name);
            if (!fresh && it->second != name)
                throw Error("geoip: " + to_string(p) + " is in regions " + it->second + " and " + name);
            if (fresh) g.add(p, name);
        }
    g.finish();
    return g;
}

void GeoRegions::add(const IpPrefix& prefix, const std::string& region) {
    const uint32_t rid = id(region);
    if (!rid) throw Error("geoip: unknown region " + region);
    prefixes_.push_back({prefix, rid});
    index_[prefix.family][prefix.length][key_of(prefix.addr.data(), address_bytes(prefix.family), prefix.length)] =
        rid;
}

void GeoRegions::finish() { std::sort(prefixes_.begin(), prefixes_.end(), [](const Prefix& a, const Prefix& b) { return a.prefix < b.prefix; }); }

GeoRegions::Match GeoRegions::lookup(int family, const uint8_t* addr, unsigned source_len) const {
    const auto fam = index_.find(family);
    if (fam == index_.end()) return {};
    for (const auto& [length, table] : fam->second) {
        if (length > source_len) continue;
        const auto it = table.find(key_of(addr, address_bytes(family), length));
        if (it != table.end()) return {it->second, static_cast<uint8_t>(length)};
    }
    return {};
}

uint32_t GeoRegions::region_of(const Ipv4Address& a) const { return lookup(AF_INET, a.data(), 32).region; }
uint32_t GeoRegions::region_of(const Ipv6Address& a) const { return lookup(AF_INET6, a.data(), 128).region; }

uint32_t GeoRegions::id(const std::string& name) const {
    const auto it = std::lower_bound(names_.begin(), names_.end(), name);
    return it != names_.end() && *it == name ? static_cast<uint32_t>(it - names_.begin()) + 1 : 0;
}

const std::string& GeoRegions::name(uint32_t region) const {
    static const std::string none;
    return region >= 1 && region <= names_.size() ? names_[region - 1] : none;
}

}  // namespace xgslb
