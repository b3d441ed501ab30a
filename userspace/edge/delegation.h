// The delegation of the gslb zone as the edge DNS should hold it, and the RFC 2136 UPDATE that
// makes it so: the zone's NS RRset (every cluster's NS name) and this cluster's glue A/AAAA at
// its own NS name - what k8gb asks ExternalDNS to keep (controllers/providers/dns/external.go,
// CreateZoneDelegationForExternalDNS: an NS endpoint at dnsZone with the sorted NS names, an A
// endpoint at the cluster's NS name), which ExternalDNS's RFC 2136 provider writes as
// delete-RRset + add per changed RRset. Pure functions, so the message is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "userspace/ip_address.h"
#include "userspace/zone_transfer.h"

namespace xgslb {

// One side of the comparison: what the edge holds, or what it should hold. Normalised (names
// canonical, lists sorted, no duplicates) so == means "the same RRsets".
struct Delegation {
    std::vector<std::string> ns;    // NS targets at the zone
    std::vector<Ipv4Address> a;     // glue at our NS name
    std::vector<Ipv6Address> aaaa;
    void normalise();
    friend bool operator==(const Delegation&, const Delegation&) = default;
};

struct DelegationNames {
    std::string edge_zone;  // the UPDATE's zone
    std::string zone;       // owner of the NS RRset
    std::string ns_name;    // owner of our glue
    uint32_t ttl = 30;
};

// The UPDATE for the RRsets that differ between `current` and `wanted` (each replaced whole:
// delete RRset, then add every record), signed with `key`. `request_mac` receives the MAC (without
// its size field), to
// verify the response with. Throws xgslb::Error if ldns cannot build or sign it.
std::vector<uint8_t> build_delegation_update(const DelegationNames& names, const Delegation& current,
                                             const Delegation& wanted, const TsigKey& key, uint16_t id,
                                             std::vector<uint8_t>& request_mac);

// What the edge said: std::nullopt when the update was applied (NOERROR with a TSIG that
// verifies), otherwise a message a user can act on ("NOTAUTH, TSIG error BADKEY: the edge does
// not know key 'x.'", ...).
std::optional<std::string> judge_update_response(std::span<const uint8_t> response, const TsigKey& key,
                                                 const std::vector<uint8_t>& request_mac);

}  // namespace xgslb
