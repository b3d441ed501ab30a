#include "userspace/dns_name.h"

#include <cctype>

#include "userspace/error.h"

namespace xgslb {

WireName name_to_wire(std::string_view text) {
    WireName wire;
    if (text.empty()) throw Error("empty domain name");
    if (text == ".") return {0};
    std::string label;
    auto finish_label = [&](bool last) {
        if (label.empty()) {
            if (last) return;
            throw Error("empty label in domain name '" + std::string(text) + "'");
        }
        if (label.size() > 63) throw Error("label longer than 63 octets in '" + std::string(text) + "'");
        wire.push_back(static_cast<uint8_t>(label.size()));
        wire.insert(wire.end(), label.begin(), label.end());
        label.clear();
    };
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\') {
            if (i + 1 >= text.size()) throw Error("dangling escape in '" + std::string(text) + "'");
            if (i + 3 < text.size() && std::isdigit((unsigned char)text[i + 1]) &&
                std::isdigit((unsigned char)text[i + 2]) && std::isdigit((unsigned char)text[i + 3])) {
                int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                if (v > 255) throw Error("bad \\DDD escape in '" + std::string(text) + "'");
                label.push_back(static_cast<char>(v));
                i += 3;
            } else {
                label.push_back(text[++i]);
            }
        } else if (c == '.') {
            finish_label(i + 1 == text.size());
        } else {
            label.push_back(c);
        }
    }
    finish_label(true);
    wire.push_back(0);
    if (wire.size() > 255) throw Error("domain name longer than 255 octets: '" + std::string(text) + "'");
    return wire;
}

std::string wire_to_name(const uint8_t* wire, size_t len) {
    std::string out;
    size_t pos = 0;
    while (pos < len) {
        uint8_t l = wire[pos++];
        if (l == 0) return out.empty() ? "." : out;
        if (l > 63 || pos + l > len) break;
        for (size_t i = 0; i < l; ++i) {
            unsigned char c = wire[pos + i];
            if (c == '.' || c == '\\') {
                out.push_back('\\');
                out.push_back(static_cast<char>(c));
            } else if (c < 0x21 || c > 0x7e) {
                char buf[5];
                snprintf(buf, sizeof buf, "\\%03u", c);
                out += buf;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        pos += l;
        out.push_back('.');
    }
    throw Error("malformed wire name");
}

WireName lowercase(WireName wire) {
    for (auto& c : wire)
        if (c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c + 32);
    return wire;
}

std::string canonical_name(std::string_view text) { return wire_to_name(lowercase(name_to_wire(text))); }

bool is_subdomain(const WireName& name, const WireName& zone) {
    if (zone.size() > name.size()) return false;
    // The zone must start on a label boundary of name.
    size_t pos = 0;
    const size_t start = name.size() - zone.size();
    while (pos < start) pos += name[pos] + 1u;
    if (pos != start) return false;
    return lowercase(WireName(name.begin() + start, name.end())) == lowercase(zone);
}

WireName parent_name(const WireName& name) {
    if (name.size() <= 1) return {0};
    return WireName(name.begin() + name[0] + 1, name.end());
}

}  // namespace xgslb
