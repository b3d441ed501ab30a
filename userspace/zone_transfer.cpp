#include "userspace/zone_transfer.h"

#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <ldns/ldns.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>

namespace xgslb {

namespace {

using dns::Record;

constexpr uint16_t kTypeIxfr = 251;
constexpr uint16_t kRcodeNotauth = 9;
constexpr uint16_t kTsigBadsig = 16, kTsigBadkey = 17, kTsigBadtime = 18;
// Room left in every message for the header, the question, our OPT (with a cookie) and the
// TSIG record (two names of at most 255 octets, a MAC of at most 64): record sizes are counted
// uncompressed, so a message never outgrows 65535 however ldns re-encodes it.
constexpr size_t kReserved = dns::kHeaderLen + 260 + 40 + 600;

struct PktFree {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;
struct RdfFree {
    void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using Rdf = std::unique_ptr<ldns_rdf, RdfFree>;

Pkt to_pkt(std::span<const uint8_t> wire) {
    ldns_pkt* p = nullptr;
    if (ldns_wire2pkt(&p, wire.data(), wire.size()) != LDNS_STATUS_OK) return {};
    return Pkt(p);
}

std::optional<std::vector<uint8_t>> to_wire(const ldns_pkt* p) {
    uint8_t* w = nullptr;
    size_t n = 0;
    if (ldns_pkt2wire(&w, p, &n) != LDNS_STATUS_OK) return std::nullopt;
    std::vector<uint8_t> out(w, w + n);
    std::free(w);
    return out;
}

std::string canonical_rdf_name(const ldns_rdf* r) {
    if (!r || ldns_rdf_get_type(r) != LDNS_RDF_TYPE_DNAME) return {};
    char* s = ldns_rdf2str(r);
    if (!s) return {};
    std::string text(s);
    std::free(s);
    try {
        return canonical_name(text);
    } catch (...) {
        return {};
    }
}

uint64_t tsig_time(const ldns_rdf* r) {
    const uint8_t* d = ldns_rdf_data(r);
    uint64_t t = 0;
    for (size_t i = 0; i < 6 && i < ldns_rdf_size(r); ++i) t = t << 8 | d[i];
    return t;
}

Rdf time_rdf(uint64_t t) {
    uint8_t d[6];
    for (int i = 5; i >= 0; --i, t >>= 8) d[i] = static_cast<uint8_t>(t);
    return Rdf(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_TSIGTIME, sizeof d, d));
}

// An unsigned TSIG error response (RFC 8945 5.2): the request's key name, algorithm and fudge,
// an empty MAC, our time, and for BADTIME our time again as Other Data.
std::optional<std::vector<uint8_t>> with_tsig_error(const std::vector<uint8_t>& response, const ldns_rr* request_tsig,
                                                    uint16_t error, uint32_t now) {
    Pkt p = to_pkt(response);
    if (!p) return std::nullopt;
    ldns_rr* rr = ldns_rr_new();
    ldns_rr_set_owner(rr, ldns_rdf_clone(ldns_rr_owner(request_tsig)));
    ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
    ldns_rr_set_type(rr, LDNS_RR_TYPE_TSIG);
    ldns_rr_set_ttl(rr, 0);
    ldns_rr_push_rdf(rr, ldns_rdf_clone(ldns_rr_rdf(request_tsig, 0)));
    ldns_rr_push_rdf(rr, time_rdf(now).release());
    ldns_rr_push_rdf(rr, ldns_rdf_clone(ldns_rr_rdf(request_tsig, 2)));
    ldns_rr_push_rdf(rr, ldns_native2rdf_int16_data(0, nullptr));
    ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, ldns_pkt_id(p.get())));
    ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, error));
    if (error == kTsigBadtime) {
        Rdf t = time_rdf(now);
        ldns_rr_push_rdf(rr, ldns_native2rdf_int16_data(6, ldns_rdf_data(t.get())));
    } else {
        ldns_rr_push_rdf(rr, ldns_native2rdf_int16_data(0, nullptr));
    }
    ldns_pkt_set_tsig(p.get(), rr);  // the packet owns it now
    return to_wire(p.get());
}

// Signs the messages of one response in order: the first over the request's MAC with every
// TSIG variable, each later one over the MAC before it with the timers only (RFC 8945 5.3.1).
class Signer {
public:
    Signer(const TsigKey& key, const ldns_rdf* request_mac) : key_(key), prior_(ldns_rdf_clone(request_mac)) {}

    std::optional<std::vector<uint8_t>> sign(const std::vector<uint8_t>& response) {
        Pkt p = to_pkt(response);
        if (!p || !prior_) return std::nullopt;
        if (ldns_pkt_tsig_sign_next(p.get(), key_.name.c_str(), key_.secret.c_str(), kTsigFudge,
                                    key_.algorithm.c_str(), prior_.get(), signed_ > 0) != LDNS_STATUS_OK)
            return std::nullopt;
        prior_.reset(ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p.get()), 3)));
        ++signed_;
        return to_wire(p.get());
    }

private:
    const TsigKey& key_;
    Rdf prior_;
    int signed_ = 0;
};

// The client's serial from the SOA in an IXFR query's authority section (RFC 1995 3).
std::optional<uint32_t> ixfr_serial(const ldns_pkt* request) {
    const ldns_rr_list* authority = ldns_pkt_authority(request);
    for (size_t i = 0; authority && i < ldns_rr_list_rr_count(authority); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(authority, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7)
            return ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
    }
    return std::nullopt;
}

// RFC 1982: `a` is `b` or later.
bool serial_not_older(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) >= 0; }

class Transfer {
public:
    Transfer(const TransferQuery& q, const std::vector<TsigKey>& keys, const ZoneView& view)
        : q_(q), keys_(keys), view_(view) {}

    std::vector<std::vector<uint8_t>> run() {
        const Pkt request = to_pkt(q_.wire);
        if (!request) return {bare(dns::formerr)};  // our parser took it, ldns did not
        const ldns_rr* tsig = ldns_pkt_tsig(request.get());
        if (!tsig) return {bare(dns::refused)};
        if (ldns_rr_rd_count(tsig) != 7) return {bare(dns::formerr)};

        const std::string key_name = canonical_rdf_name(ldns_rr_owner(tsig));
        const std::string algorithm = canonical_rdf_name(ldns_rr_rdf(tsig, 0));
        const auto key = std::find_if(keys_.begin(), keys_.end(), [&](const TsigKey& k) { return k.name == key_name; });
        if (key == keys_.end() || key->algorithm != algorithm) return tsig_error(tsig, kTsigBadkey);
        // ldns takes the algorithm from the record, checked against the key's just above.
        if (!ldns_pkt_tsig_verify(request.get(), q_.wire.data(), q_.wire.size(), key->name.c_str(), key->secret.c_str(),
                                  nullptr))
            return tsig_error(tsig, kTsigBadsig);
        const uint64_t signed_at = tsig_time(ldns_rr_rdf(tsig, 1));
        const uint64_t fudge = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2));
        const uint64_t now = q_.now;
        if ((signed_at > now ? signed_at - now : now - signed_at) > fudge) return tsig_error(tsig, kTsigBadtime);

        Signer signer(*key, ldns_rr_rdf(tsig, 3));
        if (!key->may_transfer) return signed_all(signer, {bare(dns::refused)});
        const WireName qname(q_.query->qname().begin(), q_.query->qname().end());
        const Zone* zone = view_.find_zone(qname);
        if (!zone || lowercase(zone->apex()) != lowercase(qname)) return signed_all(signer, {bare(kRcodeNotauth)});
        const bool ixfr = q_.query->qtype == kTypeIxfr;
        if (!ixfr && !q_.tcp) return signed_all(signer, {bare(dns::refused)});
        if (ixfr) {
            const std::optional<uint32_t> serial = ixfr_serial(request.get());
            if (!serial) return signed_all(signer, {bare(dns::formerr)});
            if (!q_.tcp || serial_not_older(*serial, zone->soa().serial)) return signed_all(signer, soa_only(*zone));
        }
        return signed_all(signer, whole_zone(*zone));
    }

private:
    std::vector<uint8_t> write(uint16_t rcode, bool question, std::span<const Record> answer) const {
        dns::ResponseParts parts = q_.header;
        parts.flags = static_cast<uint16_t>(parts.flags | (rcode & 0xf) | (answer.empty() ? 0 : dns::kFlagAa));
        if (!question) parts.question = {};
        parts.answer = answer;
        std::vector<uint8_t> out;
        dns::write_response(parts, out);
        return out;
    }

    std::vector<uint8_t> bare(uint16_t rcode) const { return write(rcode, true, {}); }

    std::vector<std::vector<uint8_t>> tsig_error(const ldns_rr* request_tsig, uint16_t error) const {
        if (auto out = with_tsig_error(bare(kRcodeNotauth), request_tsig, error, q_.now)) return {std::move(*out)};
        return {bare(dns::servfail)};
    }

    std::vector<std::vector<uint8_t>> signed_all(Signer& signer, std::vector<std::vector<uint8_t>> messages) const {
        for (auto& m : messages) {
            auto s = signer.sign(m);
            if (!s || s->size() > dns::kMaxTcpMessage) return {bare(dns::servfail)};
            m = std::move(*s);
        }
        return messages;
    }

    static Record soa_record(const Zone& zone) {
        const Node& apex = zone.apex_node();
        const RRset* soa = apex.find(rrtype::SOA);
        return {apex.owner.data(), apex.owner.size(), rrtype::SOA, soa->ttl, &soa->rdata.front()};
    }

    std::vector<std::vector<uint8_t>> soa_only(const Zone& zone) const {
        const Record soa = soa_record(zone);
        return {write(dns::noerror, true, {&soa, 1})};
    }

    std::vector<std::vector<uint8_t>> whole_zone(const Zone& zone) const {
        std::vector<Record> records{soa_record(zone)};
        for (const Node* node : zone.nodes())
            for (const auto& [type, set] : node->rrsets) {
                if (type == rrtype::SOA && node == &zone.apex_node()) continue;
                for (const Rdata& rd : set.rdata) records.push_back({node->owner.data(), node->owner.size(), type, set.ttl, &rd});
            }
        records.push_back(records.front());

        const size_t budget = dns::kMaxTcpMessage - kReserved - q_.header.question.size();
        std::vector<std::vector<uint8_t>> messages;
        for (size_t begin = 0; begin < records.size();) {
            size_t end = begin, size = 0;
            while (end < records.size()) {
                const size_t rr = records[end].owner_len + 10 + records[end].rdata->size();
                if (end > begin && size + rr > budget) break;
                size += rr;
                ++end;
            }
            messages.push_back(write(dns::noerror, messages.empty(), {records.data() + begin, end - begin}));
            begin = end;
        }
        return messages;
    }

    const TransferQuery& q_;
    const std::vector<TsigKey>& keys_;
    const ZoneView& view_;
};

}  // namespace

std::vector<TsigKey> tsig_keys_from(const DnsConfig& dns) {
    std::vector<TsigKey> keys;
    for (const TsigKeyConfig& k : dns.tsig_keys) {
        TsigKey key{canonical_name(k.name), k.algorithm + ".", k.secret, false};
        key.may_transfer = std::find(dns.allow_transfer.begin(), dns.allow_transfer.end(), key.name) !=
                           dns.allow_transfer.end();
        keys.push_back(std::move(key));
    }
    return keys;
}

std::vector<std::vector<uint8_t>> answer_transfer(const TransferQuery& query, const std::vector<TsigKey>& keys,
                                                  const ZoneView& view) {
    return Transfer(query, keys, view).run();
}

}  // namespace xgslb
