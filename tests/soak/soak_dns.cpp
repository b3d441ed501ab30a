#include "tests/soak/soak_dns.h"

#include <algorithm>
#include <cctype>

namespace xgslb::soak {
namespace {

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeOpt = 41;
constexpr uint16_t kOptionCookie = 10;

void put16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}

uint16_t get16(std::span<const uint8_t> w, size_t at) { return static_cast<uint16_t>(w[at] << 8 | w[at + 1]); }

// The name at `at` as lowercase dotted text (no trailing dot), following compression pointers
// (at most 16, so a pointer loop ends). `next`: where the name ends in place. False if malformed.
bool read_name(std::span<const uint8_t> w, size_t at, std::string& text, size_t& next) {
    text.clear();
    bool jumped = false;
    for (int hops = 0; hops < 16;) {
        if (at >= w.size()) return false;
        const uint8_t len = w[at];
        if ((len & 0xc0) == 0xc0) {
            if (at + 1 >= w.size()) return false;
            if (!jumped) next = at + 2;
            jumped = true;
            at = static_cast<size_t>((len & 0x3f) << 8 | w[at + 1]);
            ++hops;
            continue;
        }
        if (len & 0xc0) return false;
        if (len == 0) {
            if (!jumped) next = at + 1;
            return true;
        }
        if (at + 1 + len > w.size() || text.size() + len + 1 > 255) return false;
        if (!text.empty()) text += '.';
        for (size_t i = 0; i < len; ++i) text += static_cast<char>(std::tolower(w[at + 1 + i]));
        at += 1 + len;
    }
    return false;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!out.empty() && out.back() == '.') out.pop_back();
    return out;
}

}  // namespace

std::vector<uint8_t> build_query(uint16_t id, std::string_view name, bool cookie) {
    std::vector<uint8_t> q;
    q.reserve(64 + name.size());
    put16(q, id);
    put16(q, 0x0000);  // QUERY, RD=0: an authoritative server's client
    put16(q, 1);       // QDCOUNT
    put16(q, 0);
    put16(q, 0);
    put16(q, 1);  // ARCOUNT: the OPT
    size_t start = 0;
    while (start < name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        q.push_back(static_cast<uint8_t>(dot - start));
        q.insert(q.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
        start = dot + 1;
    }
    q.push_back(0);
    put16(q, kTypeA);
    put16(q, 1);  // IN
    q.push_back(0);  // OPT owner: root
    put16(q, kTypeOpt);
    put16(q, 1232);  // UDP payload size
    put16(q, 0);     // extended rcode, version
    put16(q, 0);     // flags
    if (cookie) {
        put16(q, 12);  // RDLENGTH: one option of 8 octets
        put16(q, kOptionCookie);
        put16(q, 8);
        for (int i = 0; i < 8; ++i) q.push_back(static_cast<uint8_t>(id + i * 37));  // any client cookie
    } else {
        put16(q, 0);
    }
    return q;
}

bool response_id(std::span<const uint8_t> wire, uint16_t& id) {
    if (wire.size() < 12) return false;
    id = get16(wire, 0);
    return true;
}

bool parse_response(std::span<const uint8_t> w, std::string_view qname, ParsedResponse& out) {
    if (w.size() < 12 || !(w[2] & 0x80)) return false;
    out.id = get16(w, 0);
    const bool tc = w[2] & 0x02;
    const unsigned rcode = w[3] & 0x0f;
    const uint16_t qd = get16(w, 4), an = get16(w, 6);
    if (tc) return out.answer = "TRUNCATED", true;
    std::string name;
    size_t at = 12;
    if (qd != 1 || !read_name(w, at, name, at) || at + 4 > w.size() || name != lower(qname) ||
        get16(w, at) != kTypeA) {
        return out.answer = "MALFORMED", true;
    }
    at += 4;
    if (rcode == 3) return out.answer = an ? "MALFORMED" : "NXDOMAIN", true;
    if (rcode != 0) return out.answer = "RCODE" + std::to_string(rcode), true;
    std::vector<std::string> addresses;
    for (unsigned i = 0; i < an; ++i) {
        std::string owner;
        if (!read_name(w, at, owner, at) || at + 10 > w.size()) return out.answer = "MALFORMED", true;
        const uint16_t type = get16(w, at), rdlen = get16(w, at + 8);
        at += 10;
        if (at + rdlen > w.size()) return out.answer = "MALFORMED", true;
        if (type != kTypeA || rdlen != 4 || owner != lower(qname))
            return out.answer = "TYPE" + std::to_string(type), true;
        addresses.push_back(std::to_string(w[at]) + "." + std::to_string(w[at + 1]) + "." + std::to_string(w[at + 2]) +
                            "." + std::to_string(w[at + 3]));
        at += rdlen;
    }
    if (addresses.empty()) return out.answer = "NODATA", true;
    std::sort(addresses.begin(), addresses.end());
    out.answer.clear();
    for (const auto& a : addresses) out.answer += (out.answer.empty() ? "" : ",") + a;
    return true;
}

}  // namespace xgslb::soak
