#include "userspace/dns_message.h"

#include <cstring>

namespace xgslb::dns {

namespace {

constexpr size_t kMaxName = 255;

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) { return static_cast<uint32_t>(get16(p)) << 16 | get16(p + 2); }

// Writes into a buffer sized beforehand for the uncompressed message (compression only
// shortens it), so no write checks or grows anything.
struct Writer {
    uint8_t* base;
    size_t pos = 0;

    void put8(uint8_t v) { base[pos++] = v; }
    void put16(uint16_t v) {
        base[pos] = static_cast<uint8_t>(v >> 8);
        base[pos + 1] = static_cast<uint8_t>(v);
        pos += 2;
    }
    void put32(uint32_t v) {
        put16(static_cast<uint16_t>(v >> 16));
        put16(static_cast<uint16_t>(v));
    }
    void put(const uint8_t* p, size_t len) {
        if (len) std::memcpy(base + pos, p, len);
        pos += len;
    }
};

// The position just past the name at `pos`, or 0 when it is malformed: a reserved label type
// (0x40, 0x80), over 255 octets expanded, running past the message, or a compression pointer
// that does not point strictly before the previous one (which rules out loops; BIND's rule).
// `pointers` false: any pointer is malformed.
size_t skip_name(std::span<const uint8_t> msg, size_t pos, bool pointers) {
    size_t end = 0, expanded = 0, limit = pos, p = pos;
    for (;;) {
        if (p >= msg.size()) return 0;
        const uint8_t len = msg[p];
        if ((len & 0xc0) == 0xc0) {
            if (!pointers || p + 1 >= msg.size()) return 0;
            const size_t target = static_cast<size_t>(len & 0x3f) << 8 | msg[p + 1];
            if (target >= limit) return 0;
            if (!end) end = p + 2;
            limit = p = target;
            continue;
        }
        if (len & 0xc0) return 0;
        expanded += len + 1u;
        if (expanded > kMaxName) return 0;
        if (len == 0) return end ? end : p + 1;
        p += len + 1u;
    }
}

std::optional<ClientSubnet> parse_client_subnet(const uint8_t* p, uint16_t len) {
    if (len < 4) return std::nullopt;
    ClientSubnet s;
    s.family = get16(p);
    s.source_len = p[2];
    const unsigned max = s.family == 1 ? 32 : s.family == 2 ? 128 : 0;
    const size_t addr_len = (s.source_len + 7u) / 8u;
    if (!max || s.source_len > max || p[3] != 0 || len != 4 + addr_len) return std::nullopt;
    std::memcpy(s.addr.data(), p + 4, addr_len);
    if (s.source_len % 8 && (s.addr[addr_len - 1] & (0xffu >> (s.source_len % 8)))) return std::nullopt;
    return s;
}

bool parse_opt(std::span<const uint8_t> rr, size_t rdata_at, uint16_t rdlen, EdnsQuery& edns) {
    const uint8_t* fixed = rr.data() + rdata_at - 10;  // TYPE CLASS TTL RDLENGTH
    edns.udp_payload_size = get16(fixed + 2);
    const uint32_t ttl = get32(fixed + 4);
    edns.version = static_cast<uint8_t>(ttl >> 16);
    edns.dnssec_ok = ttl & 0x8000;
    const uint8_t* opts = rr.data() + rdata_at;
    bool ecs_seen = false;
    for (size_t off = 0; off < rdlen;) {
        if (off + 4 > rdlen) return false;
        const uint16_t code = get16(opts + off), len = get16(opts + off + 2);
        off += 4;
        if (off + len > rdlen) return false;
        if (code == kOptionCookie) {
            // RFC 7873 5.2.2: 8 octets of client cookie, or 8 plus a server cookie of 8 to 32.
            if (edns.cookie || edns.cookie_malformed || !(len == 8 || (len >= 16 && len <= 40))) {
                edns.cookie.reset();
                edns.cookie_malformed = true;
            } else {
                ClientCookie c;
                std::memcpy(c.data(), opts + off, c.size());
                edns.cookie = c;
            }
        }
        if (code == kOptionClientSubnet) {
            if (edns.client_subnet || ecs_seen) edns.client_subnet.reset();
            else edns.client_subnet = parse_client_subnet(opts + off, len);
            ecs_seen = true;
        }
        // Every other option is ignored and not echoed.
        off += len;
    }
    return true;
}

// Compression targets: suffixes already in the message, each with the uncompressed octets it
// stands for (which live in the caller's question and records for the whole write).
struct Suffix {
    const uint8_t* name;
    size_t len;
    uint16_t offset;
};

bool same_name(const uint8_t* a, const uint8_t* b, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        uint8_t x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<uint8_t>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<uint8_t>(y + 32);
        if (x != y) return false;
    }
    return true;
}

class NameCompressor {
public:
    // `suffixes` is scratch space (cleared here) whose capacity outlives one message.
    explicit NameCompressor(std::vector<Suffix>& suffixes) : suffixes_(suffixes) { suffixes_.clear(); }

    // Records every non-root suffix of `name`, written uncompressed at `offset`.
    void add(const uint8_t* name, size_t len, size_t offset) {
        for (size_t i = 0; i < len && name[i] != 0; i += name[i] + 1u)
            if (offset + i < 0x4000) suffixes_.push_back({name + i, len - i, static_cast<uint16_t>(offset + i)});
    }

    // Writes `name` with its longest suffix already in the message replaced by a pointer; the
    // first occurrence of a suffix is the one pointed to, as XDP points into the question.
    void write(const uint8_t* name, size_t len, Writer& out) {
        size_t i = 0;
        for (; i < len && name[i] != 0; i += name[i] + 1u) {
            for (const Suffix& s : suffixes_) {
                if (s.len != len - i || !same_name(s.name, name + i, s.len)) continue;
                const size_t at = out.pos;
                out.put(name, i);
                out.put16(static_cast<uint16_t>(0xc000 | s.offset));
                add_prefix(name, i, len, at);
                return;
            }
        }
        const size_t at = out.pos;
        out.put(name, len);
        add(name, len, at);
    }

private:
    void add_prefix(const uint8_t* name, size_t prefix, size_t len, size_t offset) {
        for (size_t i = 0; i < prefix; i += name[i] + 1u)
            if (offset + i < 0x4000) suffixes_.push_back({name + i, len - i, static_cast<uint16_t>(offset + i)});
    }

    std::vector<Suffix>& suffixes_;
};

}  // namespace

std::optional<Query> parse_query(std::span<const uint8_t> msg) {
    if (msg.size() < kHeaderLen) return std::nullopt;
    Query q;
    q.id = get16(msg.data());
    q.flags = get16(msg.data() + 2);
    if (q.flags & kFlagQr) return std::nullopt;  // never answer a response
    q.qdcount = get16(msg.data() + 4);
    const uint16_t counts[3] = {get16(msg.data() + 6), get16(msg.data() + 8), get16(msg.data() + 10)};
    if (q.qdcount > 1) return q;

    size_t pos = kHeaderLen;
    if (q.qdcount == 1) {
        // Nothing precedes the question but the header, so a pointer in it can only be bogus.
        const size_t end = skip_name(msg, pos, false);
        if (!end || end + 4 > msg.size()) return q;
        q.question = msg.subspan(pos, end + 4 - pos);
        q.qtype = get16(msg.data() + end);
        q.qclass = get16(msg.data() + end + 2);
        pos = end + 4;
    }
    std::optional<EdnsQuery> edns;
    for (int section = 0; section < 3; ++section) {
        for (uint16_t i = 0; i < counts[section]; ++i) {
            const size_t owner = pos;
            pos = skip_name(msg, pos, true);
            if (!pos || pos + 10 > msg.size()) return q;
            const uint16_t type = get16(msg.data() + pos);
            const uint16_t rdlen = get16(msg.data() + pos + 8);
            pos += 10;
            if (pos + rdlen > msg.size()) return q;
            if (type == kTypeOpt) {
                // RFC 6891 6.1.1: one OPT, in the additional section, owned by the root.
                if (section != 2 || edns || pos - 10 - owner != 1) return q;
                edns.emplace();
                if (!parse_opt(msg, pos, rdlen, *edns)) return q;
            }
            pos += rdlen;
        }
    }
    if (pos != msg.size()) return q;  // trailing octets: a framing error, not padding
    q.well_formed = true;
    q.edns = edns;
    return q;
}

void write_response(const ResponseParts& parts, std::vector<uint8_t>& out) {
    size_t bound = kHeaderLen + parts.question.size() + (parts.opt ? 11 + 4 + 8 + 16 + 24 : 0);
    for (std::span<const Record> section : {parts.answer, parts.authority, parts.additional})
        for (const Record& r : section) bound += r.owner_len + 10 + r.rdata->size();
    out.resize(bound);  // the capacity of an earlier message is reused
    Writer w{out.data()};
    w.put16(parts.id);
    w.put16(parts.flags);
    w.put16(parts.question.empty() ? 0 : 1);
    w.put16(static_cast<uint16_t>(parts.answer.size()));
    w.put16(static_cast<uint16_t>(parts.authority.size()));
    w.put16(static_cast<uint16_t>(parts.additional.size() + (parts.opt ? 1 : 0)));

    thread_local std::vector<Suffix> suffixes;
    NameCompressor names(suffixes);
    if (!parts.question.empty()) {
        w.put(parts.question.data(), parts.question.size());
        names.add(parts.question.data(), parts.question.size() - 4, kHeaderLen);
    }
    for (std::span<const Record> section : {parts.answer, parts.authority, parts.additional}) {
        for (const Record& r : section) {
            names.write(r.owner, r.owner_len, w);
            w.put16(r.type);
            w.put16(kClassIn);
            w.put32(r.ttl);
            w.put16(static_cast<uint16_t>(r.rdata->size()));
            w.put(r.rdata->data(), r.rdata->size());
        }
    }
    if (const auto& opt = parts.opt) {
        w.put8(0);  // root owner
        w.put16(kTypeOpt);
        w.put16(opt->udp_payload_size);
        w.put8(opt->extended_rcode);
        w.put8(0);  // version
        w.put16(opt->dnssec_ok ? 0x8000 : 0);
        const size_t ecs_len = opt->client_subnet ? 8 + (opt->client_subnet->source_len + 7u) / 8u : 0;
        const size_t cookie_len = opt->client_cookie ? 4 + 8 + 16 : 0;
        w.put16(static_cast<uint16_t>(ecs_len + cookie_len));
        if (const auto& ecs = opt->client_subnet) {
            w.put16(kOptionClientSubnet);
            w.put16(static_cast<uint16_t>(ecs_len - 4));
            w.put16(ecs->family);
            w.put8(ecs->source_len);
            w.put8(opt->scope_len);
            w.put(ecs->addr.data(), ecs_len - 8);
        }
        if (opt->client_cookie) {
            w.put16(kOptionCookie);
            w.put16(8 + 16);
            w.put(opt->client_cookie->data(), opt->client_cookie->size());
            w.put(opt->server_cookie.data(), opt->server_cookie.size());
        }
    }
    out.resize(w.pos);
}

}  // namespace xgslb::dns
