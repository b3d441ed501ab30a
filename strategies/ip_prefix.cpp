#include "strategies/ip_prefix.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "userspace/error.h"

namespace xgslb {

std::array<uint8_t, 16> mask_address(const uint8_t* addr, size_t bytes, unsigned length) {
    std::array<uint8_t, 16> out{};
    for (size_t i = 0; i < bytes && i < out.size(); ++i) {
        const unsigned bit = static_cast<unsigned>(i) * 8;
        if (length >= bit + 8)
            out[i] = addr[i];
        else if (length > bit)
            out[i] = static_cast<uint8_t>(addr[i] & (0xff00u >> (length - bit)));
    }
    return out;
}

IpPrefix parse_ip_prefix(const std::string& text) {
    const size_t slash = text.find('/');
    if (slash == std::string::npos) throw Error("\"" + text + "\" is not a prefix (ADDRESS/LENGTH)");
    const std::string host = text.substr(0, slash), len = text.substr(slash + 1);
    IpPrefix p;
    if (inet_pton(AF_INET, host.c_str(), p.addr.data()) == 1)
        p.family = AF_INET;
    else if (inet_pton(AF_INET6, host.c_str(), p.addr.data()) == 1)
        p.family = AF_INET6;
    else
        throw Error("\"" + text + "\": \"" + host + "\" is not an IP address");
    const unsigned max = p.family == AF_INET ? 32 : 128;
    unsigned v = 0;
    auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), v);
    if (len.empty() || ec != std::errc() || end != len.data() + len.size() || v > max)
        throw Error("\"" + text + "\": the length must be 0.." + std::to_string(max));
    p.length = static_cast<uint8_t>(v);
    const size_t bytes = p.family == AF_INET ? 4 : 16;
    if (mask_address(p.addr.data(), bytes, v) != p.addr)
        throw Error("\"" + text + "\" has host bits set past /" + len);
    return p;
}

std::string to_string(const IpPrefix& prefix) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(prefix.family, prefix.addr.data(), buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(prefix.length);
}

}  // namespace xgslb
