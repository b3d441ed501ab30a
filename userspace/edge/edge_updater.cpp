#include "userspace/edge/edge_updater.h"

#include <spdlog/spdlog.h>
#include <sys/random.h>

#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <ldns/ldns.h>

#include <algorithm>
#include <cstdlib>

#include "userspace/dns_name.h"
#include "userspace/gslb_names.h"
#include "userspace/peers/dns_client.h"
#include "userspace/zone_view.h"

namespace xgslb {

namespace {

using Clock = std::chrono::steady_clock;

std::string describe(const Delegation& d) {
    std::string s = "NS [";
    for (size_t i = 0; i < d.ns.size(); ++i) s += (i ? " " : "") + d.ns[i];
    s += "] glue [";
    bool first = true;
    for (const auto& a : d.a) {
        SocketAddress sa{AF_INET, {}, 53};
        std::copy(a.begin(), a.end(), sa.addr.begin());
        const std::string t = sa.to_string();
        s += (first ? "" : " ") + t.substr(0, t.rfind(':'));
        first = false;
    }
    for (const auto& a : d.aaaa) {
        const std::string t = SocketAddress{AF_INET6, a, 53}.to_string();
        s += (first ? "" : " ") + t.substr(1, t.rfind(']') - 1);
        first = false;
    }
    return s + "]";
}

// The NS targets owned by `zone` in the answer or authority section: an edge that delegates
// answers a query for the zone's NS with a referral (RFC 1034 4.3.2), not in the answer.
std::optional<std::vector<std::string>> query_ns(const SocketAddress& edge, const std::string& zone,
                                                 std::chrono::milliseconds timeout, const std::atomic<bool>* stop,
                                                 std::string& error) {
    ldns_pkt* q = ldns_pkt_query_new(ldns_dname_new_frm_str(zone.c_str()), LDNS_RR_TYPE_NS, LDNS_RR_CLASS_IN, 0);
    ldns_pkt_set_id(q, random_dns_id());
    uint8_t* wire = nullptr;
    size_t len = 0;
    ldns_pkt2wire(&wire, q, &len);
    ldns_pkt_free(q);
    const std::vector<uint8_t> request(wire, wire + len);
    std::free(wire);
    DnsExchangeOutcome ex = dns_exchange(edge, request, timeout, DnsTransport::UdpThenTcp, stop);
    if (!ex.response) {
        error = ex.error;
        return std::nullopt;
    }
    ldns_pkt* r = nullptr;
    if (ldns_wire2pkt(&r, ex.response->data(), ex.response->size()) != LDNS_STATUS_OK) {
        error = "unparsable response";
        return std::nullopt;
    }
    const uint8_t rcode = ldns_pkt_get_rcode(r);
    std::vector<std::string> out;
    ldns_rdf* owner = ldns_dname_new_frm_str(zone.c_str());
    for (const ldns_rr_list* section : {ldns_pkt_answer(r), ldns_pkt_authority(r)}) {
        for (size_t i = 0; section && i < ldns_rr_list_rr_count(section); ++i) {
            const ldns_rr* rr = ldns_rr_list_rr(section, i);
            if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || ldns_dname_compare(ldns_rr_owner(rr), owner) != 0) continue;
            char* s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
            out.push_back(canonical_name(s));
            std::free(s);
        }
    }
    ldns_rdf_deep_free(owner);
    ldns_pkt_free(r);
    if (rcode != 0 && rcode != 3) {  // NXDOMAIN: no delegation yet, nothing to read
        error = "rcode " + std::to_string(rcode) + " for NS " + zone;
        return std::nullopt;
    }
    return out;
}

std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
    uint32_t r = 0;
    getrandom(&r, sizeof r, 0);
    // Between half and all of `base`, so clusters that failed together do not retry together.
    return base / 2 + std::chrono::milliseconds(r % (base.count() / 2 + 1));
}

}  // namespace

EdgeUpdaterOptions EdgeUpdaterOptions::from(const Config& config) {
    const GslbConfig& g = *config.gslb;
    const EdgeUpdateConfig& e = *g.edge_update;
    EdgeUpdaterOptions o;
    o.names = {g.edge_zone, g.zone, own_ns_name(config), e.ttl};
    o.wanted.ns = gslb_ns_names(config);
    for (const auto& addr : e.ns_addresses) {
        if (addr.family == AF_INET)
            o.wanted.a.push_back({addr.addr[0], addr.addr[1], addr.addr[2], addr.addr[3]});
        else
            o.wanted.aaaa.push_back(addr.addr);
    }
    o.wanted.normalise();
    for (const TsigKey& k : tsig_keys_from(config.dns))
        if (k.name == e.tsig_key) o.key = k;
    o.edge_servers = g.edge_servers;
    o.check_interval = std::chrono::milliseconds(g.peer_poll_interval_ms);
    o.timeout = std::chrono::milliseconds(g.peer_timeout_ms);
    return o;
}

EdgeUpdater::EdgeUpdater(EdgeUpdaterOptions options) : options_(std::move(options)) {
    thread_ = std::thread([this] { run(); });
}

EdgeUpdater::~EdgeUpdater() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void EdgeUpdater::set_leader(bool leader) {
    {
        std::lock_guard lock(mutex_);
        leader_ = leader;
    }
    wake_.notify_all();
}

namespace {
// What kind of failure a state is: its text before the details in parentheses. An edge that is
// down answers "Connection refused" to one retry and nothing to the next (ICMP is rate
// limited): the same fault, logged once; a rejection after that is another one.
std::string failure_kind(const std::string& state) { return state.substr(0, state.find(" (")); }
}  // namespace

void EdgeUpdater::report(const std::string& state) {
    if (state == last_state_) return;
    const bool same_fault = !state.empty() && !last_state_.empty() && last_state_ != "(none)" &&
                            failure_kind(state) == failure_kind(last_state_);
    last_state_ = state;
    if (same_fault) {
        spdlog::debug("edge: delegation of {} still not in place: {}", options_.names.zone, state);
        return;
    }
    if (state.empty())
        spdlog::info("edge: delegation of {} in place: {}", options_.names.zone, describe(options_.wanted));
    else
        spdlog::error("edge: delegation of {} not in place: {}", options_.names.zone, state);
}

void EdgeUpdater::run() {
    std::chrono::milliseconds backoff = options_.check_interval;
    while (!stop_) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stop_.load() || leader_; });
        }
        if (stop_) break;
        const std::string state = check_and_update();
        if (stop_) break;
        report(state);
        // Healthy: check again each interval (another writer may change the edge). Failing: back
        // off, doubling up to the maximum, with jitter.
        backoff = state.empty() ? options_.check_interval
                                : std::min(options_.max_backoff, backoff * 2);
        const auto wait = state.empty() ? backoff : jittered(backoff);
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, wait, [this] { return stop_.load() || !leader_; });
    }
}

std::optional<Delegation> EdgeUpdater::read_edge(const SocketAddress& edge, std::string& error) {
    Delegation d;
    auto ns = query_ns(edge, options_.names.zone, options_.timeout, &stop_, error);
    if (!ns) return std::nullopt;
    d.ns = std::move(*ns);
    for (uint16_t type : {rrtype::A, rrtype::AAAA}) {
        const AddressLookup l = lookup_addresses(edge, options_.names.ns_name, type, options_.timeout, &stop_);
        if (!l.answered) {
            error = l.error;
            return std::nullopt;
        }
        if (type == rrtype::A) d.a = l.a;
        else d.aaaa = l.aaaa;
    }
    d.normalise();
    return d;
}

std::string EdgeUpdater::check_and_update() {
    std::string errors;
    for (const SocketAddress& edge : options_.edge_servers) {
        if (stop_) return {};
        std::string error;
        const std::optional<Delegation> current = read_edge(edge, error);
        if (!current) {
            errors += (errors.empty() ? "" : "; ") + edge.to_string() + ": " + error;
            continue;
        }
        if (*current == options_.wanted) return {};
        std::vector<uint8_t> mac;
        const std::vector<uint8_t> update =
            build_delegation_update(options_.names, *current, options_.wanted, options_.key, random_dns_id(), mac);
        // Over TCP: a lost UDP update and a retry could apply twice out of order with another writer's.
        DnsExchangeOutcome ex = dns_exchange(edge, update, options_.timeout * 3, DnsTransport::TcpOnly, &stop_);
        if (!ex.response) {
            errors += (errors.empty() ? "" : "; ") + edge.to_string() + ": UPDATE: " + ex.error;
            continue;
        }
        if (auto why = judge_update_response(*ex.response, options_.key, mac))
            return "UPDATE to " + edge.to_string() + " rejected: " + *why;
        spdlog::info("edge: updated {} at {}: was {}, now {}", options_.names.zone, edge.to_string(),
                     describe(*current), describe(options_.wanted));
        return {};
    }
    return "no edge server answered (" + errors + ")";
}

}  // namespace xgslb
