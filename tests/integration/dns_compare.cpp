// dns_compare: the same queries to two authoritative servers, their responses compared.
// knot_compare_test.sh runs it from the client namespace against xgslbd (XDP + slow path) and
// against Knot DNS serving the zones `xgslbctl zone export` printed.
//
//   dns_compare --a 10.77.0.2 --b 10.77.0.3 --zone FILE [--zone FILE...] [--count N] [--seed S]
//               [--tcp-every K] [--excuse ID...] [--verbose]
//
// The queries are generated from the zone files (deterministic for a seed): every owner, the
// apexes, empty non-terminals, names below each cut, names a wildcard covers, missing names
// (one label and several labels deep) and names outside every zone; every common type plus
// ANY and meta types; with and without EDNS (1232, 512 to force truncation) and DO; the name in
// random 0x20 case. Each goes over UDP to both; every K-th also over TCP.
//
// Compared: the rcode (with the OPT's extended bits), the header flags (QR, AA, TC, RD, RA, AD,
// CD), the question as echoed (octets, so case counts), each section as a multiset of records
// (owner, type, class, TTL, rdata in canonical form), and the OPT (present, version, DO, payload
// size, options). A difference fails the run unless an excuse passed with --excuse matches it
// exactly: the excuses are below, each with the RFC reason, and README "Differences from Knot
// DNS" lists them. A difference no excuse covers is printed in full.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

// ---- queries -----------------------------------------------------------------------------------

enum class Edns { none, standard, standard_do, small };

struct Query {
    std::string name;  // presentation, absolute, in the case sent
    uint16_t type = 1;
    Edns edns = Edns::none;
    bool tcp = false;
    std::string kind;  // what the generator meant it to exercise ("below-cut", "wildcard", ...)
};

const char* edns_text(Edns e) {
    switch (e) {
        case Edns::none: return "no-edns";
        case Edns::standard: return "edns1232";
        case Edns::standard_do: return "edns1232+do";
        case Edns::small: return "edns512";
    }
    return "?";
}

std::string type_text(uint16_t type) {
    char* s = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
    std::string out(s);
    free(s);
    return out;
}

std::string describe(const Query& q) {
    return q.name + " " + type_text(q.type) + " " + edns_text(q.edns) + (q.tcp ? " tcp" : " udp") + " [" + q.kind + "]";
}

Bytes encode_name(const std::string& name) {
    ldns_rdf* rdf = nullptr;
    if (ldns_str2rdf_dname(&rdf, name.c_str()) != LDNS_STATUS_OK) throw std::runtime_error("bad name " + name);
    Bytes out(ldns_rdf_data(rdf), ldns_rdf_data(rdf) + ldns_rdf_size(rdf));
    ldns_rdf_deep_free(rdf);
    return out;
}

Bytes encode_query(const Query& q, uint16_t id) {
    Bytes m = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0,
               static_cast<uint8_t>(q.edns == Edns::none ? 0 : 1)};
    const Bytes name = encode_name(q.name);
    m.insert(m.end(), name.begin(), name.end());
    m.insert(m.end(), {static_cast<uint8_t>(q.type >> 8), static_cast<uint8_t>(q.type), 0, 1});
    if (q.edns != Edns::none) {
        const uint16_t size = q.edns == Edns::small ? 512 : 1232;
        const uint8_t do_bit = q.edns == Edns::standard_do ? 0x80 : 0;
        m.insert(m.end(), {0, 0, 41, static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size), 0, 0, do_bit, 0, 0, 0});
    }
    return m;
}

// Randomly upper-cases letters (0x20 randomisation): a server must echo the question as sent.
std::string mixed_case(std::string name, std::mt19937& rng) {
    for (char& c : name)
        if (c >= 'a' && c <= 'z' && (rng() & 1)) c = static_cast<char>(c - 32);
    return name;
}

struct ZoneFacts {
    std::set<std::string> apexes, owners, delegations, wildcard_parents, empty_non_terminals;
};

std::string parent_of(const std::string& name) {
    const size_t dot = name.find('.');
    return dot == std::string::npos || dot + 1 >= name.size() ? "." : name.substr(dot + 1);
}

void read_zone(const std::string& path, ZoneFacts& facts) {
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) throw std::runtime_error("cannot open " + path);
    ldns_zone* zone = nullptr;
    int line = 0;
    const ldns_status st = ldns_zone_new_frm_fp_l(&zone, f, nullptr, 0, LDNS_RR_CLASS_IN, &line);
    std::fclose(f);
    if (st != LDNS_STATUS_OK)
        throw std::runtime_error(path + ":" + std::to_string(line) + ": " + ldns_get_errorstr_by_id(st));
    auto owner_of = [](const ldns_rr* rr) {
        char* s = ldns_rdf2str(ldns_rr_owner(rr));
        std::string out(s);
        free(s);
        std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
        return out;
    };
    const std::string apex = owner_of(ldns_zone_soa(zone));
    facts.apexes.insert(apex);
    const ldns_rr_list* rrs = ldns_zone_rrs(zone);
    std::set<std::string> owners;
    for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
        const std::string owner = owner_of(rr);
        owners.insert(owner);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS && owner != apex) facts.delegations.insert(owner);
        if (owner.rfind("*.", 0) == 0) facts.wildcard_parents.insert(owner.substr(2));
    }
    for (const auto& o : owners) {
        facts.owners.insert(o);
        for (std::string p = parent_of(o); p.size() > apex.size(); p = parent_of(p))
            if (!owners.count(p)) facts.empty_non_terminals.insert(p);
    }
    ldns_zone_deep_free(zone);
}

std::vector<Query> generate(const ZoneFacts& facts, size_t count, uint32_t seed, size_t tcp_every) {
    std::mt19937 rng(seed);
    std::vector<std::pair<std::string, std::string>> names;  // name, kind
    for (const auto& a : facts.apexes) {
        names.push_back({a, "apex"});
        names.push_back({"nx-" + std::to_string(rng() % 1000) + "." + a, "nxdomain"});
        names.push_back({"a.b.c.nx-deep." + a, "nxdomain-deep"});
        names.push_back({parent_of(a), "out-of-zone-parent"});
    }
    for (const auto& o : facts.owners)
        if (!facts.apexes.count(o)) names.push_back({o, o.rfind("*.", 0) == 0 ? "wildcard-owner" : "owner"});
    for (const auto& e : facts.empty_non_terminals) names.push_back({e, "empty-non-terminal"});
    for (const auto& d : facts.delegations) {
        names.push_back({d, "cut"});
        names.push_back({"www." + d, "below-cut"});
        names.push_back({"a.b." + d, "below-cut"});
    }
    for (const auto& w : facts.wildcard_parents) {
        names.push_back({"x" + std::to_string(rng() % 1000) + "." + w, "wildcard"});
        names.push_back({"a.b." + w, "wildcard-deep"});
    }
    for (const char* n : {"example.net.", "www.example.net.", "com.", ".", "localhost."}) names.push_back({n, "out-of-zone"});

    const std::vector<uint16_t> common = {LDNS_RR_TYPE_A,   LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_NS,  LDNS_RR_TYPE_SOA,
                                          LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_MX, LDNS_RR_TYPE_DS,
                                          LDNS_RR_TYPE_ANY, LDNS_RR_TYPE_SRV,  LDNS_RR_TYPE_PTR, LDNS_RR_TYPE_CAA,
                                          LDNS_RR_TYPE_DNSKEY, LDNS_RR_TYPE_HTTPS, LDNS_RR_TYPE_NULL};
    const std::vector<Edns> edns = {Edns::none, Edns::standard, Edns::standard_do, Edns::small};
    std::vector<Query> out;
    // Every name with A, AAAA, ANY and its most telling types first, then random combinations.
    for (const auto& [name, kind] : names)
        for (uint16_t t : {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_NS, LDNS_RR_TYPE_ANY})
            out.push_back({mixed_case(name, rng), t, edns[rng() % edns.size()], false, kind});
    while (out.size() < count) {
        const auto& [name, kind] = names[rng() % names.size()];
        out.push_back({mixed_case(name, rng), common[rng() % common.size()], edns[rng() % edns.size()], false, kind});
    }
    const size_t udp = out.size();
    for (size_t i = 0; tcp_every && i < udp; i += tcp_every) {
        Query q = out[i];
        q.tcp = true;
        out.push_back(q);
    }
    return out;
}

// ---- transport ---------------------------------------------------------------------------------

struct Server {
    sockaddr_storage addr{};
    socklen_t len = 0;
    std::string text;
};

Server parse_server(const std::string& text) {
    Server s;
    s.text = text;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&s.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&s.addr);
    if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(53);
        s.len = sizeof *v4;
    } else if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(53);
        s.len = sizeof *v6;
    } else {
        throw std::runtime_error("not an address: " + text);
    }
    return s;
}

bool wait_readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1;
}

bool read_exact(int fd, uint8_t* out, size_t n) {
    for (size_t got = 0; got < n;) {
        if (!wait_readable(fd, 2000)) return false;
        const ssize_t r = recv(fd, out + got, n - got, 0);
        if (r <= 0) return false;
        got += static_cast<size_t>(r);
    }
    return true;
}

// One exchange; nullopt when no response came within the time (UDP: one retry after 1 s).
std::optional<Bytes> exchange(const Server& server, const Bytes& query, bool tcp) {
    const int fd = socket(server.addr.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket");
    std::optional<Bytes> out;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&server.addr), server.len) == 0) {
        if (tcp) {
            Bytes framed = {static_cast<uint8_t>(query.size() >> 8), static_cast<uint8_t>(query.size())};
            framed.insert(framed.end(), query.begin(), query.end());
            uint8_t len[2];
            if (send(fd, framed.data(), framed.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(framed.size()) &&
                read_exact(fd, len, 2)) {
                Bytes m(static_cast<size_t>(len[0] << 8 | len[1]));
                if (read_exact(fd, m.data(), m.size())) out = std::move(m);
            }
        } else {
            for (int attempt = 0; attempt < 2 && !out; ++attempt) {
                if (send(fd, query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) break;
                while (wait_readable(fd, 1000)) {
                    Bytes m(65535);
                    const ssize_t r = recv(fd, m.data(), m.size(), 0);
                    if (r < 2) break;
                    if (m[0] != query[0] || m[1] != query[1]) continue;  // a late answer to an earlier try
                    m.resize(static_cast<size_t>(r));
                    out = std::move(m);
                    break;
                }
            }
        }
    }
    close(fd);
    return out;
}

// ---- decoding and comparing --------------------------------------------------------------------

struct Decoded {
    uint16_t flags = 0, rcode = 0;
    Bytes question;  // as echoed, octets
    std::multiset<std::string> sections[3];
    bool has_opt = false;
    std::string opt;  // "v0 do=1 size=1232 options=..."
};

std::string rr_key(const ldns_rr* rr) {
    ldns_rr* copy = ldns_rr_clone(rr);
    char* owner = ldns_rdf2str(ldns_rr_owner(copy));
    ldns_rr2canonical(copy);  // rdata names lowercased; the owner keeps the case it came with
    char* s = ldns_rr2str(copy);
    std::string text(s);
    text = std::string(owner) + text.substr(text.find('\t'));
    free(s);
    free(owner);
    ldns_rr_free(copy);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\t')) text.pop_back();
    std::replace(text.begin(), text.end(), '\t', ' ');
    return text;
}

std::optional<Decoded> decode(const Bytes& wire, std::string& error) {
    ldns_pkt* pkt = nullptr;
    if (wire.size() < 12 || ldns_wire2pkt(&pkt, wire.data(), wire.size()) != LDNS_STATUS_OK) {
        error = "ldns cannot parse the response";
        return std::nullopt;
    }
    Decoded d;
    d.flags = static_cast<uint16_t>((wire[2] << 8 | wire[3]) & 0xfff0);
    d.rcode = wire[3] & 0xf;
    size_t pos = 12;
    if (wire[5] == 1) {  // QDCOUNT 1: the question's octets, uncompressed as every server sends it
        while (pos < wire.size() && wire[pos] != 0 && wire[pos] < 64) pos += wire[pos] + 1u;
        pos = std::min(wire.size(), pos + 5);
    }
    d.question.assign(wire.begin() + 12, wire.begin() + static_cast<long>(pos));
    const ldns_rr_list* lists[3] = {ldns_pkt_answer(pkt), ldns_pkt_authority(pkt), ldns_pkt_additional(pkt)};
    for (int s = 0; s < 3; ++s)
        for (size_t i = 0; i < ldns_rr_list_rr_count(lists[s]); ++i) d.sections[s].insert(rr_key(ldns_rr_list_rr(lists[s], i)));
    const size_t arcount = static_cast<size_t>(wire[10] << 8 | wire[11]);
    d.has_opt = arcount != ldns_rr_list_rr_count(lists[2]);
    if (d.has_opt) {
        d.rcode |= static_cast<uint16_t>(ldns_pkt_edns_extended_rcode(pkt)) << 4;
        d.opt = "v" + std::to_string(ldns_pkt_edns_version(pkt)) + " do=" + std::to_string(ldns_pkt_edns_do(pkt)) +
                " size=" + std::to_string(ldns_pkt_edns_udp_size(pkt));
        if (ldns_rdf* data = ldns_pkt_edns_data(pkt)) {
            char* s = ldns_rdf2str(data);
            d.opt += std::string(" options=") + s;
            free(s);
        }
    }
    ldns_pkt_free(pkt);
    return d;
}

std::string flags_text(uint16_t f) {
    std::string out;
    const std::pair<uint16_t, const char*> bits[] = {{0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"},
                                                     {0x0080, "ra"}, {0x0020, "ad"}, {0x0010, "cd"}};
    for (const auto& [bit, name] : bits)
        if (f & bit) out += (out.empty() ? "" : " ") + std::string(name);
    if (f & 0x7800) out += " opcode=" + std::to_string((f >> 11) & 0xf);
    return out.empty() ? "-" : out;
}

std::string set_text(const std::multiset<std::string>& s) {
    std::string out;
    for (const auto& r : s) out += "\n      " + r;
    return out.empty() ? " (empty)" : out;
}

std::string rcode_text(uint16_t rcode) {
    const ldns_lookup_table* t = ldns_lookup_by_id(ldns_rcodes, rcode);
    return t ? t->name : std::to_string(rcode);
}

const char* const kSectionNames[3] = {"answer", "authority", "additional"};

struct Difference {
    std::string field;  // "rcode", "flags", "question", "answer", "authority", "additional", "opt"
    std::string a, b;
};

std::vector<Difference> compare(const Decoded& a, const Decoded& b) {
    std::vector<Difference> out;
    if (a.rcode != b.rcode) out.push_back({"rcode", rcode_text(a.rcode), rcode_text(b.rcode)});
    if (a.flags != b.flags) out.push_back({"flags", flags_text(a.flags), flags_text(b.flags)});
    if (a.question != b.question) out.push_back({"question", "(octets differ)", "(octets differ)"});
    for (int s = 0; s < 3; ++s)
        if (a.sections[s] != b.sections[s])
            out.push_back({kSectionNames[s], set_text(a.sections[s]), set_text(b.sections[s])});
    const std::string oa = a.has_opt ? a.opt : "none", ob = b.has_opt ? b.opt : "none";
    if (oa != ob) out.push_back({"opt", oa, ob});
    return out;
}

// ---- excuses: the differences README "Differences from Knot DNS" lists --------------------------
//
// Server A is xgslbd, B is Knot DNS. Each excuse covers named fields of one response pair, and
// only when the pair has exactly the shape the README describes.

struct Record {
    std::string owner, type, rest;  // owner lowercased; rest: "TTL CLASS TYPE RDATA"
};

Record split(const std::string& key) {
    Record r;
    const size_t sp = key.find(' ');
    r.owner = key.substr(0, sp);
    std::transform(r.owner.begin(), r.owner.end(), r.owner.begin(), [](unsigned char c) { return std::tolower(c); });
    r.rest = key.substr(sp + 1);
    size_t t = r.rest.find(' ');
    t = r.rest.find(' ', t + 1);
    r.type = r.rest.substr(t + 1, r.rest.find(' ', t + 1) - t - 1);
    return r;
}

std::multiset<std::string> owners_lowercased(const std::multiset<std::string>& section) {
    std::multiset<std::string> out;
    for (const auto& key : section) {
        const Record r = split(key);
        out.insert(r.owner + " " + r.rest);
    }
    return out;
}

std::string zone_of(const std::string& name, const std::set<std::string>& apexes) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (std::string n = lower;; n = parent_of(n)) {
        if (apexes.count(n)) return n;
        if (n == ".") return "";
    }
}

struct Pair {
    const Query& query;
    const Decoded& a;
    const Decoded& b;
    const ZoneFacts& facts;
};

struct Excuse {
    const char* id;
    std::set<std::string> fields;
    std::function<bool(const Pair&)> applies;
};

// RFC 8914 extended errors are optional: Knot adds EDE 20 (Not Authoritative) to REFUSED.
bool knot_ede_on_refused(const Pair& p) {
    return p.a.rcode == LDNS_RCODE_REFUSED && p.b.rcode == LDNS_RCODE_REFUSED && p.a.has_opt && p.b.has_opt &&
           p.b.opt == p.a.opt + " options=\\# 6 000f00020014";
}

// RFC 4343: owner names compare without case. Knot writes glue owners as the zone spells them,
// xgslb compresses them into the question name, so they take its 0x20 case.
bool glue_owner_case(const Pair& p) {
    return owners_lowercased(p.a.sections[2]) == owners_lowercased(p.b.sections[2]);
}

// RFC 1035 3.3.11 and 2181 9: additional data is optional. For an NS set answered to ANY, Knot
// adds the in-zone addresses of the name servers; xgslb does for a query of type NS only.
bool any_ns_without_glue(const Pair& p) {
    if (p.query.type != LDNS_RR_TYPE_ANY || !p.a.sections[2].empty() || p.b.sections[2].empty()) return false;
    if (owners_lowercased(p.a.sections[0]) != owners_lowercased(p.b.sections[0])) return false;
    std::set<std::string> targets;
    for (const auto& key : p.a.sections[0]) {
        const Record r = split(key);
        if (r.type != "NS") return false;
        std::string target = r.rest.substr(r.rest.rfind(' ') + 1);
        targets.insert(target);
    }
    for (const auto& key : p.b.sections[2]) {
        const Record r = split(key);
        if ((r.type != "A" && r.type != "AAAA") || !targets.count(r.owner)) return false;
    }
    return true;
}

// RFC 1034 4.3.2 step 3a restarts the lookup for the CNAME's target, which xgslb does in every
// zone it serves; Knot follows a chain only inside the zone of the query. B's answer must be A's
// cut at the first CNAME leaving the query's zone: nothing of the other zone in B, everything A
// has beyond B's (answer records and a negative answer's SOA) from another of our zones.
bool cname_across_zones(const Pair& p) {
    const std::string home = zone_of(p.query.name, p.facts.apexes);
    if (home.empty() || p.b.rcode != LDNS_RCODE_NOERROR || !p.b.sections[1].empty()) return false;
    if (p.a.rcode != LDNS_RCODE_NOERROR && p.a.rcode != LDNS_RCODE_NXDOMAIN) return false;
    const auto a_answer = owners_lowercased(p.a.sections[0]), b_answer = owners_lowercased(p.b.sections[0]);
    if (!std::includes(a_answer.begin(), a_answer.end(), b_answer.begin(), b_answer.end())) return false;
    bool leaves = false;
    for (const auto& key : b_answer) {
        const Record r = split(key);
        if (zone_of(r.owner, p.facts.apexes) != home) return false;
        if (r.type == "CNAME") {
            const std::string target = zone_of(r.rest.substr(r.rest.rfind(' ') + 1), p.facts.apexes);
            leaves = leaves || (!target.empty() && target != home);
        }
    }
    if (!leaves) return false;
    std::multiset<std::string> extra;
    std::set_difference(a_answer.begin(), a_answer.end(), b_answer.begin(), b_answer.end(),
                        std::inserter(extra, extra.begin()));
    for (const auto& key : extra) {
        const std::string zone = zone_of(split(key).owner, p.facts.apexes);
        if (zone.empty() || zone == home) return false;
    }
    for (const auto& key : p.a.sections[1]) {
        const Record r = split(key);
        if (r.type != "SOA" || r.owner == home || !p.facts.apexes.count(r.owner)) return false;
    }
    return true;
}

const std::vector<Excuse>& excuses() {
    static const std::vector<Excuse> all = {
        {"knot-ede-on-refused", {"opt"}, knot_ede_on_refused},
        {"glue-owner-case", {"additional"}, glue_owner_case},
        {"any-ns-without-glue", {"additional"}, any_ns_without_glue},
        {"cname-across-zones", {"rcode", "answer", "authority"}, cname_across_zones},
    };
    return all;
}

// The excuse (among those enabled) that covers this difference, or nullptr.
const Excuse* excuse_for(const Difference& d, const Pair& p, const std::set<std::string>& enabled) {
    for (const auto& e : excuses())
        if (enabled.count(e.id) && e.fields.count(d.field) && e.applies(p)) return &e;
    return nullptr;
}

struct Options {
    Server a, b;
    std::vector<std::string> zones;
    size_t count = 400, tcp_every = 10;
    uint32_t seed = 1;
    std::set<std::string> excuses;
    bool verbose = false;
};

Options parse_options(int argc, char** argv) {
    Options o;
    bool have_a = false, have_b = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--a") o.a = parse_server(value()), have_a = true;
        else if (arg == "--b") o.b = parse_server(value()), have_b = true;
        else if (arg == "--zone") o.zones.push_back(value());
        else if (arg == "--count") o.count = std::stoul(value());
        else if (arg == "--seed") o.seed = static_cast<uint32_t>(std::stoul(value()));
        else if (arg == "--tcp-every") o.tcp_every = std::stoul(value());
        else if (arg == "--excuse") o.excuses.insert(value());
        else if (arg == "--verbose") o.verbose = true;
        else throw std::runtime_error("unknown argument " + arg);
    }
    if (!have_a || !have_b || o.zones.empty()) throw std::runtime_error("usage: dns_compare --a ADDR --b ADDR --zone FILE...");
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse_options(argc, argv);
        for (const auto& id : o.excuses)
            if (std::none_of(excuses().begin(), excuses().end(), [&](const Excuse& e) { return id == e.id; }))
                throw std::runtime_error("no excuse named " + id);
        ZoneFacts facts;
        for (const auto& z : o.zones) read_zone(z, facts);
        const std::vector<Query> queries = generate(facts, o.count, o.seed, o.tcp_every);
        size_t same = 0, differ = 0, excused = 0, unanswered = 0;
        std::map<std::string, size_t> excused_by;
        uint16_t id = static_cast<uint16_t>(o.seed * 7919);
        for (const Query& q : queries) {
            const Bytes wire = encode_query(q, ++id);
            const auto ra = exchange(o.a, wire, q.tcp);
            const auto rb = exchange(o.b, wire, q.tcp);
            std::string ea = "no response", eb = "no response";
            std::optional<Decoded> a, b;
            if (ra) a = decode(*ra, ea);
            if (rb) b = decode(*rb, eb);
            std::vector<std::pair<Difference, const Excuse*>> found;
            if (!a || !b) {
                if (!a && !b && ea == eb) {
                    ++unanswered;
                    ++same;
                    continue;
                }
                found.push_back({{"response", a ? "ok" : ea, b ? "ok" : eb}, nullptr});
            } else {
                const Pair pair{q, *a, *b, facts};
                for (auto& d : compare(*a, *b)) found.push_back({d, excuse_for(d, pair, o.excuses)});
            }
            if (found.empty()) {
                ++same;
                continue;
            }
            const bool all_excused =
                std::all_of(found.begin(), found.end(), [](const auto& f) { return f.second != nullptr; });
            if (all_excused) {
                ++excused;
                for (const auto& [d, e] : found) ++excused_by[std::string(e->id) + " (" + d.field + ")"];
                if (!o.verbose) continue;
            } else {
                ++differ;
            }
            std::printf("%s %s\n", all_excused ? "EXCUSED" : "DIFF", describe(q).c_str());
            for (const auto& [d, e] : found)
                std::printf("  %s%s:\n    %s: %s\n    %s: %s\n", d.field.c_str(),
                            e ? (std::string(" (excused: ") + e->id + ")").c_str() : "", o.a.text.c_str(), d.a.c_str(),
                            o.b.text.c_str(), d.b.c_str());
        }
        size_t tcp = 0;
        for (const auto& q : queries) tcp += q.tcp;
        std::printf("dns_compare: %zu queries (%zu over TCP) to %s and %s: %zu the same (%zu unanswered by both), "
                    "%zu differ, %zu differ only as excused\n",
                    queries.size(), tcp, o.a.text.c_str(), o.b.text.c_str(), same, unanswered, differ, excused);
        for (const auto& [what, n] : excused_by) std::printf("  excused: %-40s %zu\n", what.c_str(), n);
        return differ == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dns_compare: %s\n", e.what());
        return 2;
    }
}
