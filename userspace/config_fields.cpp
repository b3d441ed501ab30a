#include "userspace/config_fields.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <set>

#include "userspace/dns_name.h"
#include "userspace/error.h"

namespace xgslb::config_detail {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Unknown keys are errors: a misspelt optional key would otherwise silently take its default.
void check_keys(const Field& f, std::initializer_list<const char*> allowed) {
    if (!f.node.IsMap()) f.fail("expected a mapping");
    std::set<std::string> seen;
    for (const auto& kv : f.node) {
        Field key{f.source, kv.first, f.path, Field::line_of(kv.first, f.line)};
        if (!kv.first.IsScalar()) key.fail("keys must be plain names");
        const std::string name = kv.first.Scalar();
        key.path = f.path.empty() ? name : f.path + "." + name;
        bool known = false;
        for (const char* a : allowed) known = known || name == a;
        if (!known) {
            std::string list;
            for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            key.fail("unknown key (expected one of: " + list + ")");
        }
        if (!seen.insert(name).second) key.fail("duplicate key");
    }
}

std::string get_string(const Field& f) {
    if (!f.node.IsScalar()) f.fail("expected a string");
    return f.node.Scalar();
}

uint32_t get_uint(const Field& f, uint32_t min, uint32_t max) {
    if (!f.node.IsScalar()) f.fail("expected a number");
    const std::string& s = f.node.Scalar();
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
        f.fail(quoted(s) + " is not a non-negative integer");
    if (v < min || v > max)
        f.fail(quoted(s) + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
    return static_cast<uint32_t>(v);
}

// RFC 2181 8: TTLs are 31-bit.
uint32_t get_ttl(const Field& f) { return get_uint(f, 0, 0x7fffffff); }

bool get_bool(const Field& f) {
    const std::string s = f.node.IsScalar() ? f.node.Scalar() : "";
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    f.fail("expected true or false");
}

std::string get_choice(const Field& f, std::initializer_list<const char*> choices) {
    const std::string s = get_string(f);
    std::string list;
    for (const char* c : choices) {
        if (s == c) return s;
        list += (list.empty() ? "" : ", ") + std::string(c);
    }
    f.fail(quoted(s) + " is not one of: " + list);
}

// Validated, as written; `allow_wildcard` permits "*" as the first label only.
std::string get_name(const Field& f, bool allow_wildcard) {
    const std::string s = get_string(f);
    WireName wire;
    try {
        wire = name_to_wire(s);
    } catch (const Error& e) {
        f.fail(quoted(s) + " is not a domain name: " + e.what());
    }
    for (size_t pos = 0; pos < wire.size() && wire[pos] != 0; pos += wire[pos] + 1u) {
        const bool star = wire[pos] == 1 && wire[pos + 1] == '*';
        if (star && !(allow_wildcard && pos == 0))
            f.fail(quoted(s) + ": '*' is only allowed as the first label of a record name");
    }
    return s;
}

std::vector<std::string> get_names(const Field& f) {
    std::vector<std::string> out;
    for_each_item(f, [&](const Field& item) { out.push_back(get_name(item, false)); });
    return out;
}

SocketAddress get_socket_address(const Field& f) {
    const std::string s = get_string(f);
    try {
        return parse_socket_address(s);
    } catch (const Error& e) {
        f.fail(e.what());
    }
}

std::vector<SocketAddress> get_socket_addresses(const Field& f) {
    std::vector<SocketAddress> out;
    for_each_item(f, [&](const Field& item) {
        out.push_back(get_socket_address(item));
        for (size_t i = 0; i + 1 < out.size(); ++i)
            if (out[i] == out.back()) item.fail(quoted(out.back().to_string()) + " is listed twice");
    });
    if (out.empty()) f.fail("must list at least one address");
    return out;
}

namespace {

template <size_t N>
std::array<uint8_t, N> get_ip(const Field& f, int family, const char* what) {
    const std::string s = get_string(f);
    std::array<uint8_t, N> out{};
    if (inet_pton(family, s.c_str(), out.data()) != 1) f.fail(quoted(s) + " is not an " + what + " address");
    return out;
}

}  // namespace

bool valid_geo_tag(const std::string& s) {
    if (s.empty() || s.size() > 32) return false;
    for (char c : s)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
            return false;
    return true;
}

Ipv4Address get_ipv4(const Field& f) { return get_ip<4>(f, AF_INET, "IPv4"); }
Ipv6Address get_ipv6(const Field& f) { return get_ip<16>(f, AF_INET6, "IPv6"); }

}  // namespace xgslb::config_detail
