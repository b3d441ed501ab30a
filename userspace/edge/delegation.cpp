#include "userspace/edge/delegation.h"

#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <ldns/ldns.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "userspace/dns_name.h"
#include "userspace/error.h"

namespace xgslb {

namespace {

struct PktFree {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;

constexpr uint16_t kTsigBadsig = 16, kTsigBadkey = 17, kTsigBadtime = 18;

ldns_rdf* dname(const std::string& name) {
    ldns_rdf* r = ldns_dname_new_frm_str(name.c_str());
    if (!r) throw Error("not a domain name: '" + name + "'");
    return r;
}

// RFC 2136 2.5.2: delete an RRset - class ANY, TTL 0, no rdata.
ldns_rr* delete_rrset(const std::string& owner, ldns_rr_type type) {
    ldns_rr* rr = ldns_rr_new();
    ldns_rr_set_owner(rr, dname(owner));
    ldns_rr_set_type(rr, type);
    ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
    ldns_rr_set_ttl(rr, 0);
    return rr;
}

// RFC 2136 2.5.1: add to an RRset - class IN with TTL and rdata.
ldns_rr* add_rr(const std::string& owner, ldns_rr_type type, uint32_t ttl, ldns_rdf* rdata) {
    ldns_rr* rr = ldns_rr_new();
    ldns_rr_set_owner(rr, dname(owner));
    ldns_rr_set_type(rr, type);
    ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
    ldns_rr_set_ttl(rr, ttl);
    ldns_rr_push_rdf(rr, rdata);
    return rr;
}

const char* rcode_name(uint8_t rcode) {
    switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    case 6: return "YXDOMAIN";
    case 7: return "YXRRSET";
    case 8: return "NXRRSET";
    case 9: return "NOTAUTH";
    case 10: return "NOTZONE";
    }
    return "rcode?";
}

}  // namespace

void Delegation::normalise() {
    for (auto& n : ns) n = canonical_name(n);
    std::sort(ns.begin(), ns.end());
    ns.erase(std::unique(ns.begin(), ns.end()), ns.end());
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    std::sort(aaaa.begin(), aaaa.end());
    aaaa.erase(std::unique(aaaa.begin(), aaaa.end()), aaaa.end());
}

std::vector<uint8_t> build_delegation_update(const DelegationNames& names, const Delegation& current,
                                             const Delegation& wanted, const TsigKey& key, uint16_t id,
                                             std::vector<uint8_t>& request_mac) {
    ldns_rr_list* updates = ldns_rr_list_new();
    if (current.ns != wanted.ns) {
        ldns_rr_list_push_rr(updates, delete_rrset(names.zone, LDNS_RR_TYPE_NS));
        for (const auto& ns : wanted.ns) ldns_rr_list_push_rr(updates, add_rr(names.zone, LDNS_RR_TYPE_NS, names.ttl, dname(ns)));
    }
    if (current.a != wanted.a) {
        ldns_rr_list_push_rr(updates, delete_rrset(names.ns_name, LDNS_RR_TYPE_A));
        for (const auto& a : wanted.a)
            ldns_rr_list_push_rr(updates, add_rr(names.ns_name, LDNS_RR_TYPE_A, names.ttl,
                                                 ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, a.data())));
    }
    if (current.aaaa != wanted.aaaa) {
        ldns_rr_list_push_rr(updates, delete_rrset(names.ns_name, LDNS_RR_TYPE_AAAA));
        for (const auto& a : wanted.aaaa)
            ldns_rr_list_push_rr(updates, add_rr(names.ns_name, LDNS_RR_TYPE_AAAA, names.ttl,
                                                 ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, a.data())));
    }
    // The packet owns the zone name and the update list from here on.
    Pkt p(ldns_update_pkt_new(dname(names.edge_zone), LDNS_RR_CLASS_IN, nullptr, updates, nullptr));
    if (!p) throw Error("ldns could not build the UPDATE");
    ldns_pkt_set_id(p.get(), id);
    const ldns_status st = ldns_pkt_tsig_sign(p.get(), key.name.c_str(), key.secret.c_str(), kTsigFudge,
                                              key.algorithm.c_str(), nullptr);
    if (st != LDNS_STATUS_OK) throw Error(std::string("signing the UPDATE: ") + ldns_get_errorstr_by_id(st));
    const ldns_rdf* mac = ldns_rr_rdf(ldns_pkt_tsig(p.get()), 3);
    // The rdf is the wire field: a 2-octet MAC size, then the MAC; only the MAC is kept.
    if (ldns_rdf_size(mac) < 2) throw Error("ldns signed the UPDATE without a MAC");
    request_mac.assign(ldns_rdf_data(mac) + 2, ldns_rdf_data(mac) + ldns_rdf_size(mac));
    uint8_t* wire = nullptr;
    size_t len = 0;
    if (ldns_pkt2wire(&wire, p.get(), &len) != LDNS_STATUS_OK) throw Error("encoding the UPDATE failed");
    std::vector<uint8_t> out(wire, wire + len);
    std::free(wire);
    return out;
}

std::optional<std::string> judge_update_response(std::span<const uint8_t> response, const TsigKey& key,
                                                 const std::vector<uint8_t>& request_mac) {
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, response.data(), response.size()) != LDNS_STATUS_OK) return "unparsable response";
    Pkt p(raw);
    const uint8_t rcode = ldns_pkt_get_rcode(p.get());
    const ldns_rr* tsig = ldns_pkt_tsig(p.get());
    // A TSIG error (RFC 8945 5.2) comes unsigned, so it is read before any verification.
    const uint16_t tsig_error =
        tsig && ldns_rr_rd_count(tsig) >= 6 ? ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)) : 0;
    const std::string key_name = "'" + key.name + "'";
    if (tsig_error == kTsigBadkey)
        return std::string(rcode_name(rcode)) + ", TSIG error BADKEY: the edge does not know key " + key_name +
               " with " + key.algorithm;
    if (tsig_error == kTsigBadsig)
        return std::string(rcode_name(rcode)) + ", TSIG error BADSIG: the edge's secret for key " + key_name +
               " differs from ours";
    if (tsig_error == kTsigBadtime)
        return std::string(rcode_name(rcode)) + ", TSIG error BADTIME: our clock and the edge's differ by more "
               "than the fudge";
    if (tsig_error) return std::string(rcode_name(rcode)) + ", TSIG error " + std::to_string(tsig_error);
    if (rcode == 5)
        return "REFUSED: the edge's update-policy does not let key " + key_name + " change these names";
    if (rcode == 9) return "NOTAUTH: the edge is not authoritative for the edge zone (or rejected key " + key_name + ")";
    if (rcode != 0) return std::string(rcode_name(rcode)) + " from the edge";
    if (!tsig) return "NOERROR but unsigned: the response cannot be trusted";
    std::vector<uint8_t> mac_copy = request_mac;  // ldns takes a non-const pointer and copies
    ldns_rdf* mac = ldns_native2rdf_int16_data(mac_copy.size(), mac_copy.data());
    const bool ok = ldns_pkt_tsig_verify(p.get(), response.data(), response.size(), key.name.c_str(),
                                         key.secret.c_str(), mac);
    ldns_rdf_deep_free(mac);
    if (!ok) return "NOERROR but the response's TSIG does not verify with key " + key_name;
    return std::nullopt;
}

}  // namespace xgslb
