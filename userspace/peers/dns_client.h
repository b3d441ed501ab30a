// A small stub-side DNS client for the peers and the edge: one request, one validated response.
// UDP first from a fresh socket (a kernel-chosen random source port, RFC 5452 9.2) with a random
// ID, TCP when the answer is truncated (RFC 7766) or for messages that must not be lost
// silently (UPDATE). A response is accepted only when its ID and question section match the
// request (RFC 5452 9.1); anything else is dropped and the wait goes on until the timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "userspace/config.h"
#include "userspace/ip_address.h"

namespace xgslb {

enum class DnsTransport { UdpThenTcp, TcpOnly };

struct DnsExchangeOutcome {
    std::optional<std::vector<uint8_t>> response;  // empty: `error` says why
    std::string error;                             // "timeout", "connection refused", ...
};

// `request` must carry its ID and one question (or zone) entry. `stop`, when given and set,
// ends the wait early (a stopping daemon must not wait out a timeout).
DnsExchangeOutcome dns_exchange(const SocketAddress& server, std::span<const uint8_t> request,
                                std::chrono::milliseconds timeout, DnsTransport transport,
                                const std::atomic<bool>* stop = nullptr);

// A random 16-bit message ID from the kernel's CSPRNG.
uint16_t random_dns_id();

// The addresses one server holds for a name: what a peer answers for localtargets-<host>, or
// the edge for a peer's NS name.
struct AddressLookup {
    bool answered = false;  // a valid response came (any rcode)
    uint16_t rcode = 0;
    std::vector<Ipv4Address> a;     // A records in the answer section owned by the name
    std::vector<Ipv6Address> aaaa;  // AAAA records, likewise
    std::string error;              // when !answered
};

// Asks `server` for `name` (`type` A or AAAA), RD=0: peers and the edge are authoritative.
AddressLookup lookup_addresses(const SocketAddress& server, const std::string& name, uint16_t type,
                               std::chrono::milliseconds timeout, const std::atomic<bool>* stop = nullptr);

}  // namespace xgslb
