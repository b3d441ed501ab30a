// The Ethernet frame xgslbctl lookup hands the loaded program: one DNS query over UDP, IPv4 or
// IPv6, lengths and checksums as a real client's NIC would deliver them, and the DNS payload
// back out of whatever frame the program returns.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace xgslb::ctl {

struct QuerySpec {
    std::string name;
    uint16_t qtype = 1;
    std::string client = "192.0.2.1";  // source address; the family must match the server's
    std::string server;                // destination: an address the program answers for
    uint16_t server_port = 53;
    std::optional<std::string> ecs;    // "198.51.100.0/24": an EDNS Client Subnet option (RFC 7871)
    bool edns = true;
};

// Throws xgslb::Error for a bad name, address or prefix.
std::vector<uint8_t> build_query_frame(const QuerySpec& spec);

// The UDP payload of an Ethernet/IPv4|IPv6/UDP frame; nothing when it is not one.
std::optional<std::vector<uint8_t>> udp_payload(std::span<const uint8_t> frame);

}  // namespace xgslb::ctl
