#include "userspace/dns_answerer.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <iterator>

#include <netinet/in.h>

#include "userspace/answer_selection.h"
#include "userspace/dns_message.h"

namespace xgslb {

namespace {

using dns::Record;

constexpr uint16_t kTypeDs = 43, kTypeTkey = 249, kTypeTsig = 250, kTypeIxfr = 251, kTypeAxfr = 252,
                   kTypeMailb = 253, kTypeMaila = 254, kTypeAny = 255;
constexpr int kMaxCnameChain = 8;

using Name = std::span<const uint8_t>;  // an uncompressed wire name, case as received

// What a lookup decided, before it is encoded. One per thread, reused: its vectors keep their
// capacity, so answering allocates nothing once a worker has warmed up.
struct Resolution {
    uint16_t rcode = dns::noerror;
    bool authoritative = true;
    std::vector<Record> answer, authority, additional;
    bool additional_required = false;  // referral glue: when it does not fit, truncate
    uint8_t ecs_scope = 0;             // of the last Geo set answered (RFC 7871 7.2.1)
    std::vector<const Rdata*> selected;  // scratch for a strategy's records

    void clear() {
        ecs_scope = 0;
        rcode = dns::noerror;
        authoritative = true;
        answer.clear();
        authority.clear();
        additional.clear();
        additional_required = false;
    }
};

uint8_t fold(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }

// Equal wire names, case-insensitively (label lengths are below 'A', so they fold to themselves).
bool same_name(Name a, Name b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (fold(a[i]) != fold(b[i])) return false;
    return true;
}

// `key` equals `zone` or lies below it (both keys: lowercase wire names).
bool key_in_zone(std::string_view key, std::string_view zone) {
    for (std::string_view n = key; n.size() >= zone.size(); n = parent_key(n)) {
        if (n.size() == zone.size()) return n == zone;
        if (n.size() <= 1) return false;
    }
    return false;
}

void add_rrset(std::vector<Record>& section, Name owner, const RRset& set) {
    for (const Rdata& rd : set.rdata) section.push_back({owner.data(), owner.size(), set.type, set.ttl, &rd});
}

// A and AAAA records of in-zone name server names, for the additional section.
void add_glue(const Zone& zone, const RRset& ns, std::vector<Record>& additional) {
    for (const Rdata& target : ns.rdata) {
        const NameKey key(target);
        if (!key_in_zone(key.view(), zone.apex_key())) continue;
        const Node* node = zone.find(key.view());
        if (!node) continue;
        for (uint16_t type : {rrtype::A, rrtype::AAAA})
            if (const RRset* set = node->find(type)) add_rrset(additional, node->owner, *set);
    }
}

class Lookup {
public:
    Lookup(const ZoneView& view, Resolution& out, const GeoClient& client) : view_(view), out_(out), client_(client) {}

    // RFC 1034 4.3.2 in `zone` for `name` (`key`: its NameKey); `name` must outlive the Resolution.
    void run(const Zone& zone, Name name, std::string_view key, uint16_t qtype, int depth) {
        if (depth == 0) chain_[chain_len_++] = name;
        if (const Node* cut = zone.find_cut(key)) {
            if (qtype == kTypeDs && same_name(cut->owner, name)) {
                // DS belongs to the parent side of the cut (RFC 4035 3.1.4.1).
                if (const RRset* ds = cut->find(kTypeDs))
                    add_rrset(out_.answer, name, *ds);
                else
                    negative(zone, dns::noerror);
                return;
            }
            // Below a cut nothing is ours to say; a CNAME chain just stops there.
            if (depth == 0) referral(zone, *cut);
            return;
        }
        const Node* node = zone.find(key);
        if (!node) {
            if (zone.name_exists(key)) return negative(zone, dns::noerror);  // RFC 8020
            node = zone.find_wildcard(key);                                   // RFC 4592
            if (!node) return negative(zone, dns::nxdomain);
        }
        // Records are owned by `name` (as asked, or synthesised from a wildcard).
        if (qtype == kTypeAny) {
            // RFC 8482: one RRset, the first in type order, never the whole node.
            if (node->rrsets.empty()) return negative(zone, dns::noerror);
            add_answer(name, node->rrsets.begin()->second);
            return;
        }
        if (const RRset* set = node->find(qtype)) {
            add_answer(name, *set);
            if (qtype == rrtype::NS && &zone.apex_node() == node) add_glue(zone, *set, out_.additional);
            return;
        }
        if (const RRset* cname = node->find(rrtype::CNAME); cname && !cname->rdata.empty()) {
            add_rrset(out_.answer, name, *cname);
            follow(cname->rdata.front(), qtype, depth);
            return;
        }
        negative(zone, dns::noerror);
    }

private:
    // An answer set goes through its strategy, as the XDP program applies it.
    void add_answer(Name owner, const RRset& set) {
        out_.selected.clear();
        const uint8_t scope = select_records(set, view_.geo().get(), client_, out_.selected);
        if (set.selection == Selection::Geo) out_.ecs_scope = scope;
        for (const Rdata* rd : out_.selected) out_.answer.push_back({owner.data(), owner.size(), set.type, set.ttl, rd});
    }

    void follow(Name target, uint16_t qtype, int depth) {
        if (depth + 1 >= kMaxCnameChain) return;
        for (size_t i = 0; i < chain_len_; ++i)
            if (same_name(chain_[i], target)) return;  // a loop: the answer so far is all there is
        chain_[chain_len_++] = target;
        const NameKey key(target);
        if (const Zone* zone = view_.find_zone(key.view())) run(*zone, target, key.view(), qtype, depth + 1);
    }

    // NODATA or NXDOMAIN: the zone's SOA owned by its apex, TTL min(SOA TTL, minimum) (RFC 2308).
    void negative(const Zone& zone, uint16_t rcode) {
        out_.rcode = rcode;
        const RRset* soa = zone.apex_node().find(rrtype::SOA);
        if (!soa || soa->rdata.empty()) return;
        out_.authority.push_back({zone.apex().data(), zone.apex().size(), rrtype::SOA, zone.negative_ttl(),
                                  &soa->rdata.front()});
    }

    void referral(const Zone& zone, const Node& cut) {
        out_.authoritative = false;
        const RRset* ns = cut.find(rrtype::NS);
        add_rrset(out_.authority, cut.owner, *ns);
        add_glue(zone, *ns, out_.additional);
        out_.additional_required = true;
    }

    const ZoneView& view_;
    Resolution& out_;
    const GeoClient& client_;
    Name chain_[kMaxCnameChain + 1];  // the names asked so far: depth < kMaxCnameChain
    size_t chain_len_ = 0;
};

// Meta query types (RFC 6895 3.1) other than ANY, AXFR and IXFR, as BIND 9.18 answers them:
// MAILA/MAILB (and TKEY, which we do not implement) NOTIMP, anything else (OPT, TSIG,
// unassigned 128-248) FORMERR.
// Geo's client: the ECS subnet when the query had one, else the address it came from.
GeoClient geo_client(const std::optional<dns::EdnsQuery>& edns, const QueryContext& context) {
    GeoClient c;
    if (edns && edns->client_subnet) {
        c.family = edns->client_subnet->family == 1 ? AF_INET : AF_INET6;
        c.addr = edns->client_subnet->addr;
        c.source_len = edns->client_subnet->source_len;
    } else if (context.client.ss_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(&context.client);
        c.family = AF_INET;
        std::memcpy(c.addr.data(), &sin->sin_addr, 4);
        c.source_len = 32;
    } else if (context.client.ss_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&context.client);
        c.family = AF_INET6;
        std::memcpy(c.addr.data(), &sin6->sin6_addr, 16);
        c.source_len = 128;
    }
    return c;
}

std::optional<uint16_t> meta_type_rcode(uint16_t qtype) {
    switch (qtype) {
        case kTypeMaila:
        case kTypeMailb:
        case kTypeTkey:
            return dns::notimp;
        case dns::kTypeOpt:
        case kTypeTsig:
            return dns::formerr;
        default:
            if (qtype >= 128 && qtype < kTypeAny) return dns::formerr;
            return std::nullopt;
    }
}

uint32_t unix_now() { return static_cast<uint32_t>(std::time(nullptr)); }

}  // namespace

Answerer::Answerer(AnswererSettings settings) : settings_(std::move(settings)) {}

std::optional<std::vector<uint8_t>> Answerer::answer(std::span<const uint8_t> query, const QueryContext& context,
                                                     const ZoneView& view) const {
    std::vector<uint8_t> out;
    if (!respond(query, context, view, out, nullptr)) return std::nullopt;
    return out;
}

bool Answerer::answer_into(std::span<const uint8_t> query, const QueryContext& context, const ZoneView& view,
                           std::vector<uint8_t>& out) const {
    return respond(query, context, view, out, nullptr);
}

std::vector<std::vector<uint8_t>> Answerer::answer_all(std::span<const uint8_t> query, const QueryContext& context,
                                                       const ZoneView& view) const {
    std::vector<std::vector<uint8_t>> messages;
    std::vector<uint8_t> first;
    if (respond(query, context, view, first, &messages)) messages.insert(messages.begin(), std::move(first));
    return messages;
}

bool Answerer::respond(std::span<const uint8_t> query, const QueryContext& context, const ZoneView& view,
                       std::vector<uint8_t>& out, std::vector<std::vector<uint8_t>>* rest) const {
    const std::optional<dns::Query> q = dns::parse_query(query);
    if (!q) return false;

    // Header bits every response carries: QR, the opcode, RD and CD copied; RA, AD, Z clear.
    dns::ResponseParts parts;
    parts.id = q->id;
    const uint16_t base_flags = dns::kFlagQr | (q->flags & (dns::kOpcodeMask | dns::kFlagRd | dns::kFlagCd));
    const std::optional<dns::EdnsQuery>& edns = q->edns;
    std::optional<dns::OptRecord> opt;
    if (q->well_formed && edns) {
        opt.emplace();
        opt->udp_payload_size = settings_.udp_payload_size;
        opt->dnssec_ok = edns->dnssec_ok;  // RFC 3225
        opt->client_subnet = edns->client_subnet;  // scope 0 unless a Geo set is answered
        if (edns->cookie) {
            opt->client_cookie = edns->cookie;
            opt->server_cookie = make_server_cookie(*edns->cookie, context.client,
                                                    context.now ? *context.now : unix_now(),
                                                    settings_.cookie_secret);
        }
    }

    size_t limit = dns::kMaxTcpMessage;
    if (context.transport == Transport::udp) {
        limit = dns::kMinUdpPayload;
        if (opt)
            limit = std::min<size_t>(std::max<size_t>(dns::kMinUdpPayload, edns->udp_payload_size),
                                     std::max<size_t>(dns::kMinUdpPayload, settings_.udp_payload_size));
    }

    // A response without records: an error, BADVERS, or the answer to a cookie-only query.
    auto bare = [&](uint16_t rcode, bool with_question) {
        parts.flags = base_flags | (rcode & 0xf);
        parts.question = with_question && q->well_formed ? q->question : std::span<const uint8_t>{};
        if (opt) opt->extended_rcode = static_cast<uint8_t>(rcode >> 4);
        parts.opt = opt;
        dns::write_response(parts, out);
        return true;
    };

    if (q->opcode() != 0) return bare(dns::notimp, true);
    if (!q->well_formed) {
        parts.flags = base_flags | dns::formerr;
        parts.question = q->question;  // when it parsed before the problem
        dns::write_response(parts, out);
        return true;
    }
    if (edns && edns->cookie_malformed) {  // RFC 7873 5.2.2
        opt->client_cookie.reset();
        return bare(dns::formerr, true);
    }
    if (edns && edns->version != 0) return bare(dns::badvers, true);  // RFC 6891 6.1.3
    if (q->qdcount == 0) return bare(edns && edns->cookie ? dns::noerror : dns::formerr, false);  // RFC 7873 5.4
    if (q->qclass != dns::kClassIn) return bare(dns::refused, true);
    if (q->qtype == kTypeAxfr || q->qtype == kTypeIxfr) {
        TransferQuery transfer{query, &*q, {}, context.transport == Transport::tcp,
                               context.now ? *context.now : unix_now()};
        transfer.header.id = q->id;
        transfer.header.flags = base_flags;
        transfer.header.question = q->question;
        transfer.header.opt = opt;
        std::vector<std::vector<uint8_t>> messages = answer_transfer(transfer, settings_.tsig_keys, view);
        if (rest) std::move(messages.begin() + 1, messages.end(), std::back_inserter(*rest));
        out = std::move(messages.front());
        return true;
    }
    if (const auto rcode = meta_type_rcode(q->qtype)) return bare(*rcode, true);

    const Name qname = q->qname();
    const NameKey qkey(qname);
    thread_local Resolution r;
    r.clear();
    const Zone* zone = view.find_zone(qkey.view());
    if (!zone) return bare(dns::refused, true);
    if (q->qtype == kTypeDs && zone->apex_key() == qkey.view() && qname.size() > 1) {
        // DS at a zone apex is the parent's to answer when we serve the parent too.
        const Zone* parent = view.find_zone(parent_key(qkey.view()));
        if (parent && parent->name_exists(qkey.view())) zone = parent;
    }
    Lookup(view, r, geo_client(edns, context)).run(*zone, qname, qkey.view(), q->qtype, 0);
    if (opt) opt->scope_len = r.ecs_scope;

    parts.flags = base_flags | (r.authoritative ? dns::kFlagAa : 0) | (r.rcode & 0xf);
    parts.question = q->question;
    parts.answer = r.answer;
    parts.authority = r.authority;
    parts.additional = r.additional;
    parts.opt = opt;
    dns::write_response(parts, out);
    if (out.size() <= limit) return true;
    if (!r.additional_required && !r.additional.empty()) {
        // RFC 2181 9: additional data that does not fit is left out without setting TC.
        parts.additional = {};
        dns::write_response(parts, out);
        if (out.size() <= limit) return true;
    }
    // TC: the question and the OPT only; the client retries over TCP.
    parts.flags |= dns::kFlagTc;
    parts.answer = parts.authority = parts.additional = {};
    dns::write_response(parts, out);
    return true;
}

}  // namespace xgslb
