#include "userspace/peers/peer_poller.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "userspace/gslb_names.h"
#include "userspace/peers/dns_client.h"
#include "userspace/view_assembly.h"
#include "userspace/zone_view.h"

namespace xgslb {

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint16_t kRcodeNoError = 0, kRcodeNxDomain = 3;

template <typename T>
void sort_unique(std::vector<T>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::string describe(const std::vector<SocketAddress>& addresses) {
    std::string s;
    for (const auto& a : addresses) s += (s.empty() ? "" : ", ") + a.to_string();
    return s.empty() ? "none" : s;
}

std::string address_text(int family, const uint8_t* addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family, addr, buf, sizeof buf);
    return buf;
}

}  // namespace

std::string describe(const std::vector<PeerTargets>& peers) {
    std::string s;
    for (const PeerTargets& p : peers) {
        s += (s.empty() ? "" : " ") + p.geo_tag + "{";
        bool first = true;
        for (const auto& [host, set] : p.hosts) {
            s += (first ? "" : "; ") + host + ":";
            first = false;
            for (const auto& a : set.a) s += " " + address_text(AF_INET, a.data());
            for (const auto& a : set.aaaa) s += " " + address_text(AF_INET6, a.data());
            if (set.empty()) s += " -";
        }
        s += "}";
    }
    return s;
}

PeerPollerOptions PeerPollerOptions::from(const Config& config) {
    const GslbConfig& g = *config.gslb;
    PeerPollerOptions o;
    for (const auto& tag : g.geo_tags)
        if (tag != config.geo_tag) o.peers[tag] = gslb_ns_name(tag, g.zone, g.edge_zone);
    o.zone = g.zone;
    o.edge_servers = g.edge_servers;
    o.poll_interval = std::chrono::milliseconds(g.peer_poll_interval_ms);
    o.timeout = std::chrono::milliseconds(g.peer_timeout_ms);
    o.drop_after = std::chrono::milliseconds(g.peer_drop_after_ms);
    return o;
}

PeerPoller::PeerPoller(PeerPollerOptions options, Callback on_change)
    : options_(std::move(options)), on_change_(std::move(on_change)) {
    for (const auto& [tag, ns] : options_.peers) peers_[tag].ns_name = ns;
    thread_ = std::thread([this] { run(); });
}

PeerPoller::~PeerPoller() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void PeerPoller::set_hosts(std::vector<std::string> hosts) {
    sort_unique(hosts);
    std::lock_guard lock(mutex_);
    hosts_ = std::move(hosts);
}

void PeerPoller::run() {
    // Rounds start at a fixed rate, so a silent peer is noticed within dropAfter + one interval.
    auto next = Clock::now();
    while (!stop_) {
        std::vector<std::string> hosts;
        {
            std::lock_guard lock(mutex_);
            hosts = hosts_;
        }
        poll_round(hosts);
        if (stop_) break;
        std::vector<PeerTargets> now = result(hosts);
        if (!delivered_ || *delivered_ != now) {
            delivered_ = now;
            on_change_(std::move(now));
        }
        next = std::max(next + options_.poll_interval, Clock::now());
        std::unique_lock lock(mutex_);
        wake_.wait_until(lock, next, [this] { return stop_.load(); });
    }
}

void PeerPoller::poll_round(const std::vector<std::string>& hosts) {
    for (auto& [tag, peer] : peers_) {
        if (stop_) return;
        resolve(tag, peer);
        if (ask(tag, peer, hosts)) {
            if (!peer.present) spdlog::info("peer {}: reachable at {}", tag, describe(peer.addresses));
            else if (peer.failing) spdlog::info("peer {}: answering again at {}", tag, describe(peer.addresses));
            peer.present = true;
            peer.failing = false;
            peer.last_answer = Clock::now();
        } else if (!peer.failing && !stop_) {
            const std::string why = peer.addresses.empty() ? "its NS name has no address at the edge" : peer.error;
            // A peer never seen yet is a cluster still starting (or not there): worth a warning.
            // One that answered before and stopped is the fault the operator must hear about.
            if (peer.present)
                spdlog::error("peer {}: no usable answer ({}); its last targets stand until peerDropAfterMs {} ms",
                              tag, why, options_.drop_after.count());
            else
                spdlog::warn("peer {}: not reachable yet ({}); not served until it answers", tag, why);
            peer.failing = true;
        }
        expire(tag, peer, Clock::now());
    }
}

// The peer's NS name at the edge, A and AAAA, from the first edge server that answers both.
void PeerPoller::resolve(const std::string& tag, Peer& peer) {
    const size_t n = options_.edge_servers.size();
    std::string errors;
    for (size_t i = 0; i < n && !stop_; ++i) {
        const size_t idx = (preferred_edge_ + i) % n;
        const SocketAddress& edge = options_.edge_servers[idx];
        const AddressLookup a = lookup_addresses(edge, peer.ns_name, rrtype::A, options_.timeout, &stop_);
        const AddressLookup aaaa =
            a.answered ? lookup_addresses(edge, peer.ns_name, rrtype::AAAA, options_.timeout, &stop_) : AddressLookup{};
        if (!a.answered || !aaaa.answered) {
            errors += (errors.empty() ? "" : "; ") + edge.to_string() + ": " + (a.answered ? aaaa.error : a.error);
            continue;
        }
        preferred_edge_ = idx;
        std::vector<SocketAddress> found;
        if (a.rcode == kRcodeNoError || a.rcode == kRcodeNxDomain) {
            for (const auto& v4 : a.a) {
                SocketAddress s{AF_INET, {}, options_.peer_port};
                std::copy(v4.begin(), v4.end(), s.addr.begin());
                found.push_back(s);
            }
            for (const auto& v6 : aaaa.aaaa) found.push_back(SocketAddress{AF_INET6, v6, options_.peer_port});
            // An edge that lost the glue (restored from an old backup, the peer's update not yet
            // redone) must not cut us off from a peer that still answers: keep asking the last
            // addresses. A peer that is really gone stops answering there and is dropped.
            if (found.empty() && !peer.addresses.empty()) {
                spdlog::debug("peer {}: the edge has no address for {}; using the last ones: {}", tag, peer.ns_name,
                              describe(peer.addresses));
                return;
            }
            if (found != peer.addresses)
                spdlog::info("peer {}: {} is at {} (edge {})", tag, peer.ns_name, describe(found), edge.to_string());
            peer.addresses = std::move(found);
        }
        return;
    }
    spdlog::debug("peer {}: no edge server answered for {} ({}); using the last addresses: {}", tag, peer.ns_name,
                  errors, describe(peer.addresses));
}

// Asks the peer about every host; true when it answered at all. A query no address of the peer
// answers ends the round for it: the rest would only time out too.
bool PeerPoller::ask(const std::string& tag, Peer& peer, const std::vector<std::string>& hosts) {
    if (peer.addresses.empty()) return false;
    auto query = [&](const std::string& name, uint16_t type) -> AddressLookup {
        AddressLookup last;
        std::string errors;  // every address's, for the one line that reports the peer failing
        for (const SocketAddress& server : peer.addresses) {
            if (stop_) break;
            last = lookup_addresses(server, name, type, options_.timeout, &stop_);
            if (last.answered) return last;
            errors += (errors.empty() ? "" : ", ") + server.to_string() + ": " + last.error;
        }
        peer.error = name + " " + (type == rrtype::A ? "A" : type == rrtype::AAAA ? "AAAA" : "SOA") + ": " + errors;
        spdlog::debug("peer {}: {}", tag, peer.error);
        return last;
    };
    if (hosts.empty()) return query(options_.zone, rrtype::SOA).answered;  // liveness only

    bool answered = false;
    std::map<std::string, TargetSet> next;
    for (const std::string& host : hosts) {
        const std::string name = localtargets_name(host);
        const AddressLookup a = query(name, rrtype::A);
        if (!a.answered) break;
        answered = true;
        const AddressLookup aaaa = query(name, rrtype::AAAA);
        if (!aaaa.answered) break;
        // NXDOMAIN and NODATA both leave the lists empty: nothing healthy there. Other rcodes
        // (SERVFAIL, REFUSED) say nothing about the host: its last value stays.
        const bool a_ok = a.rcode == kRcodeNoError || a.rcode == kRcodeNxDomain;
        const bool aaaa_ok = aaaa.rcode == kRcodeNoError || aaaa.rcode == kRcodeNxDomain;
        if (!a_ok || !aaaa_ok) {
            if (auto it = peer.hosts.find(host); it != peer.hosts.end()) next[host] = it->second;
            spdlog::debug("peer {}: {}: rcode {}/{}", tag, name, a.rcode, aaaa.rcode);
            continue;
        }
        TargetSet set{a.a, aaaa.aaaa};
        sort_unique(set.a);
        sort_unique(set.aaaa);
        next[host] = std::move(set);
    }
    if (!answered) return false;
    // Hosts the round did not reach keep what the peer said last.
    for (const auto& [host, set] : peer.hosts)
        if (!next.count(host) && std::binary_search(hosts.begin(), hosts.end(), host)) next[host] = set;
    peer.hosts = std::move(next);
    return true;
}

void PeerPoller::expire(const std::string& tag, Peer& peer, Clock::time_point now) {
    if (!peer.present || now - peer.last_answer <= options_.drop_after) return;
    spdlog::warn("peer {}: no answer for {} ms (peerDropAfterMs {}): dropped",
                 tag, std::chrono::duration_cast<std::chrono::milliseconds>(now - peer.last_answer).count(),
                 options_.drop_after.count());
    peer.present = false;
    peer.hosts.clear();
}

std::vector<PeerTargets> PeerPoller::result(const std::vector<std::string>& hosts) const {
    std::vector<PeerTargets> out;
    for (const auto& [tag, peer] : peers_) {
        if (!peer.present) continue;
        PeerTargets p{tag, {}};
        for (const auto& [host, set] : peer.hosts)
            if (std::binary_search(hosts.begin(), hosts.end(), host)) p.hosts[host] = set;
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace xgslb
