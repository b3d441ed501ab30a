// Queries built octet by octet, and responses decoded by ldns (an independent parser), for the
// answerer's tests.
#pragma once

#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <ldns/ldns.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "userspace/dns_name.h"

namespace xgslb::test {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}

inline Bytes hex(const std::string& h) {
    Bytes b;
    for (size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return b;
}

struct EdnsSpec {
    uint16_t size = 1232;
    bool dnssec_ok = false;
    uint8_t version = 0;
    Bytes options;  // raw option TLVs

    EdnsSpec& option(uint16_t code, const Bytes& data) {
        put16(options, code);
        put16(options, static_cast<uint16_t>(data.size()));
        options.insert(options.end(), data.begin(), data.end());
        return *this;
    }
};

// EdnsSpec without designated initialisers (-Wmissing-field-initializers).
inline EdnsSpec edns_of(uint16_t size, bool dnssec_ok = false, uint8_t version = 0) {
    EdnsSpec e;
    e.size = size;
    e.dnssec_ok = dnssec_ok;
    e.version = version;
    return e;
}

inline Bytes opt_record(const EdnsSpec& e) {
    Bytes b{0};
    put16(b, 41);
    put16(b, e.size);
    b.push_back(0);
    b.push_back(e.version);
    put16(b, e.dnssec_ok ? 0x8000 : 0);
    put16(b, static_cast<uint16_t>(e.options.size()));
    b.insert(b.end(), e.options.begin(), e.options.end());
    return b;
}

// A standard query; `name` keeps its case (0x20).
struct QueryBuilder {
    std::string name;
    uint16_t qtype = 1;
    uint16_t qclass = 1;
    uint16_t id = 0x4a5b;
    uint16_t flags = 0x0100;  // RD
    std::optional<EdnsSpec> opt;

    QueryBuilder(std::string n, uint16_t t) : name(std::move(n)), qtype(t) {}
    QueryBuilder& edns(EdnsSpec e = {}) { return opt = e, *this; }
    QueryBuilder& with_flags(uint16_t f) { return flags = f, *this; }
    QueryBuilder& with_id(uint16_t v) { return id = v, *this; }
    QueryBuilder& klass(uint16_t c) { return qclass = c, *this; }

    Bytes question() const {
        Bytes b = name_to_wire(name);
        put16(b, qtype);
        put16(b, qclass);
        return b;
    }
    Bytes bytes() const {
        Bytes b;
        put16(b, id);
        put16(b, flags);
        put16(b, 1);
        put16(b, 0);
        put16(b, 0);
        put16(b, opt ? 1 : 0);
        const Bytes q = question();
        b.insert(b.end(), q.begin(), q.end());
        if (opt) {
            const Bytes o = opt_record(*opt);
            b.insert(b.end(), o.begin(), o.end());
        }
        return b;
    }
};

// A response as ldns reads it; records in presentation form ("owner\tTTL\tIN\tTYPE\trdata").
struct Decoded {
    uint16_t id = 0, flags = 0;  // raw header flags
    uint16_t rcode = 0;          // 12 bits: header rcode plus the OPT's extended rcode
    std::vector<std::string> question, answer, authority, additional;
    bool has_opt = false;
    uint16_t opt_size = 0;
    uint8_t opt_version = 0;
    bool opt_do = false;
    Bytes opt_data;  // the OPT's options

    bool aa() const { return flags & 0x0400; }
    bool tc() const { return flags & 0x0200; }
};

inline std::vector<std::string> rr_strings(const ldns_rr_list* list) {
    std::vector<std::string> out;
    for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
        ldns_rr* rr = ldns_rr_list_rr(list, i);
        char* s = ldns_rr2str(rr);
        std::string text(s);
        free(s);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\t')) text.pop_back();
        out.push_back(text);
    }
    return out;
}

// ldns_wire2pkt must accept the message: a failure is a test failure of the caller.
inline std::optional<Decoded> decode(const Bytes& wire) {
    ldns_pkt* pkt = nullptr;
    if (ldns_wire2pkt(&pkt, wire.data(), wire.size()) != LDNS_STATUS_OK) return std::nullopt;
    Decoded d;
    d.id = static_cast<uint16_t>(wire[0] << 8 | wire[1]);
    d.flags = static_cast<uint16_t>(wire[2] << 8 | wire[3]);
    d.question = rr_strings(ldns_pkt_question(pkt));
    d.answer = rr_strings(ldns_pkt_answer(pkt));
    d.authority = rr_strings(ldns_pkt_authority(pkt));
    d.additional = rr_strings(ldns_pkt_additional(pkt));
    const uint16_t arcount = static_cast<uint16_t>(wire[10] << 8 | wire[11]);
    d.has_opt = arcount != d.additional.size();
    d.rcode = d.flags & 0xf;
    if (d.has_opt) {
        d.opt_size = ldns_pkt_edns_udp_size(pkt);
        d.opt_version = ldns_pkt_edns_version(pkt);
        d.opt_do = ldns_pkt_edns_do(pkt);
        d.rcode |= static_cast<uint16_t>(ldns_pkt_edns_extended_rcode(pkt)) << 4;
        if (ldns_rdf* data = ldns_pkt_edns_data(pkt))
            d.opt_data.assign(ldns_rdf_data(data), ldns_rdf_data(data) + ldns_rdf_size(data));
    }
    ldns_pkt_free(pkt);
    return d;
}

}  // namespace xgslb::test
