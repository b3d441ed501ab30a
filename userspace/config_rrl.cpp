// rrl: {responsesPerSecond: 1000, slip: 2, ipv4Prefix: 24, ipv6Prefix: 56, allow: [CIDR...]} —
// response rate limiting in XDP (bpf/rrl.h). Every key is optional; `responsesPerSecond: 0`
// turns limiting off (the never-reflect rules stay on).
#include <arpa/inet.h>

#include <charconv>

#include "maps/xgslb_abi.h"
#include "userspace/config_fields.h"

namespace xgslb::config_detail {
namespace {

// "10.1.2.0/24", "2001:db8::/32", or a bare address (/32, /128). Host bits past the length
// are an error: "10.1.2.3/24" is almost always a typo for something else.
RrlConfig::Prefix get_prefix(const Field& f) {
    const std::string s = get_string(f);
    const size_t slash = s.find('/');
    const std::string host = s.substr(0, slash);
    RrlConfig::Prefix p;
    if (inet_pton(AF_INET, host.c_str(), p.addr.data()) == 1) p.family = AF_INET;
    else if (inet_pton(AF_INET6, host.c_str(), p.addr.data()) == 1) p.family = AF_INET6;
    else f.fail(quoted(s) + " is not an address prefix (e.g. 192.0.2.0/24, 2001:db8::/32)");
    const unsigned bits = p.family == AF_INET ? 32 : 128;
    unsigned length = bits;
    if (slash != std::string::npos) {
        const std::string len = s.substr(slash + 1);
        auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), length);
        if (len.empty() || ec != std::errc() || end != len.data() + len.size() || length > bits)
            f.fail(quoted(s) + ": the prefix length must be 0.." + std::to_string(bits));
    }
    p.length = static_cast<uint8_t>(length);
    for (unsigned bit = length; bit < bits; ++bit)
        if (p.addr[bit / 8] & (0x80 >> (bit % 8)))
            f.fail(quoted(s) + " has address bits set past /" + std::to_string(length));
    return p;
}

}  // namespace

RrlConfig parse_rrl_config(const Field& f) {
    check_keys(f, {"responsesPerSecond", "slip", "ipv4Prefix", "ipv6Prefix", "allow"});
    RrlConfig r;
    // Above a million per second the 1 ns clock steps of the bucket lose precision (interval
    // 1e9 / rate ns), and no prefix needs that many from one authoritative server.
    if (auto n = f.child("responsesPerSecond"); n.present()) r.responses_per_second = get_uint(n, 0, 1000000);
    if (auto n = f.child("slip"); n.present()) r.slip = get_uint(n, 0, 10);  // BIND's range
    // Shorter prefixes would let one client's flood starve a whole provider's customers.
    if (auto n = f.child("ipv4Prefix"); n.present()) r.ipv4_prefix = static_cast<uint8_t>(get_uint(n, 8, 32));
    if (auto n = f.child("ipv6Prefix"); n.present()) r.ipv6_prefix = static_cast<uint8_t>(get_uint(n, 16, 128));
    if (auto n = f.child("allow"); n.present()) {
        for_each_item(n, [&](const Field& item) {
            r.allow.push_back(get_prefix(item));
            for (size_t i = 0; i + 1 < r.allow.size(); ++i)
                if (r.allow[i] == r.allow.back()) item.fail(quoted(item.node.Scalar()) + " is listed twice");
        });
        if (r.allow.size() > XGSLB_RRL_MAX_ALLOW)
            n.fail("at most " + std::to_string(XGSLB_RRL_MAX_ALLOW) + " prefixes");
    }
    return r;
}

}  // namespace xgslb::config_detail
