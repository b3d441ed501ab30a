#include "userspace/dns_server.h"

#include <spdlog/spdlog.h>
#include <sys/random.h>

#include <cerrno>
#include <string>

#include "userspace/error.h"

namespace xgslb {

DnsServerOptions DnsServerOptions::from(const DnsConfig& dns) {
    DnsServerOptions o;
    o.listen = dns.listen;
    o.workers = dns.workers;
    o.settings.tcp_idle_timeout = std::chrono::milliseconds(dns.tcp_idle_timeout_ms);
    o.settings.tcp_max_connections = dns.tcp_max_connections;
    o.answerer.udp_payload_size = dns.udp_payload_size;
    o.answerer.tsig_keys = tsig_keys_from(dns);
    auto& secret = o.answerer.cookie_secret;
    if (getrandom(secret.data(), secret.size(), 0) != static_cast<ssize_t>(secret.size()))
        throw_errno("getrandom for the DNS cookie secret", errno);
    return o;
}

DnsServer::DnsServer(DnsServerOptions options, std::shared_ptr<const ZoneView> view)
    : options_(std::move(options)), answerer_(options_.answerer), view_(std::move(view)) {
    unsigned workers = options_.workers ? options_.workers : std::thread::hardware_concurrency();
    if (workers == 0) workers = 1;
    std::vector<WorkerSockets> sockets = open_server_sockets(options_.listen, workers);
    for (const auto& s : sockets.front().udp) bound_.push_back(s.address);
    for (unsigned i = 0; i < workers; ++i)
        workers_.push_back(
            std::make_unique<ServerWorker>(i, std::move(sockets[i]), options_.settings, answerer_, view_));
    try {
        for (auto& w : workers_) threads_.emplace_back([&worker = *w] { worker.run(); });
    } catch (const std::system_error& e) {
        stop();
        throw Error(std::string("starting the DNS server's threads: ") + e.what());
    }
    std::string addresses;
    for (const auto& a : bound_) addresses += (addresses.empty() ? "" : " ") + a.to_string();
    spdlog::info("dns server: listening on {} (UDP and TCP), workers={} tcp_idle_timeout_ms={} "
                 "tcp_max_connections={} per worker",
                 addresses, workers, options_.settings.tcp_idle_timeout.count(),
                 options_.settings.tcp_max_connections);
}

DnsServer::~DnsServer() { stop(); }

void DnsServer::stop() {
    if (threads_.empty()) return;
    for (auto& w : workers_) w->request_stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    const ServerCounters t = total();
    spdlog::info("dns server: stopped (udp queries={} responses={}, tcp queries={} responses={} connections={}, "
                 "dropped={}, errors={})",
                 t.udp_queries, t.udp_responses, t.tcp_queries, t.tcp_responses, t.tcp_accepted, t.dropped,
                 t.errors);
}

std::vector<ServerCounters> DnsServer::counters() const {
    std::vector<ServerCounters> out;
    for (const auto& w : workers_) out.push_back(w->counters());
    return out;
}

ServerCounters DnsServer::total() const {
    ServerCounters sum;
    for (const auto& w : workers_) sum += w->counters();
    return sum;
}

QueryStats::Snapshot DnsServer::query_stats() const {
    QueryStats::Snapshot sum;
    for (const auto& w : workers_) sum += w->query_stats();
    return sum;
}

}  // namespace xgslb
