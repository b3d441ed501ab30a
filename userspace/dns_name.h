// Domain names: presentation form <-> wire form (RFC 1035 3.1), and the case folding that DNS
// comparisons use (RFC 4343: ASCII only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xgslb {

using WireName = std::vector<uint8_t>;

// "www.Example.com" or "www.example.com." -> wire form, case preserved. "\." and "\DDD"
// escapes are understood. Throws xgslb::Error for empty labels, labels over 63 octets or
// names over 255 octets.
WireName name_to_wire(std::string_view text);

// Wire form (uncompressed, must end in the root label) -> "www.example.com." (root is ".").
std::string wire_to_name(const uint8_t* wire, size_t len);
inline std::string wire_to_name(const WireName& w) { return wire_to_name(w.data(), w.size()); }

// ASCII lowercase of every octet; label lengths (< 64) are unaffected.
WireName lowercase(WireName wire);

// Canonical key form: lowercased, presentation, with trailing dot.
std::string canonical_name(std::string_view text);

// True when `name` equals `zone` or lies below it (both wire, compared case-insensitively).
bool is_subdomain(const WireName& name, const WireName& zone);

// The parent of a wire name (first label removed); the root has no parent (returns root).
WireName parent_name(const WireName& name);

}  // namespace xgslb
