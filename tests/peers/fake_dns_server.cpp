#include "tests/peers/fake_dns_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <ldns/ldns.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace xgslb::test {

FakeDnsServer::FakeDnsServer() {
    // UDP picks the port; TCP must get the same one, which another process may hold: try again.
    for (int attempt = 0; attempt < 50 && port_ == 0; ++attempt) {
        udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        tcp_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(udp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw std::runtime_error("bind udp");
        socklen_t len = sizeof sa;
        getsockname(udp_, reinterpret_cast<sockaddr*>(&sa), &len);
        const int one = 1;
        setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(tcp_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 && listen(tcp_, 8) == 0) {
            port_ = ntohs(sa.sin_port);
        } else {
            close(udp_);
            close(tcp_);
        }
    }
    if (port_ == 0) throw std::runtime_error("no port free for both UDP and TCP");
    thread_ = std::thread([this] { run(); });
}

FakeDnsServer::~FakeDnsServer() {
    stop_ = true;
    thread_.join();
    close(udp_);
    close(tcp_);
}

void FakeDnsServer::set(const std::string& name, uint16_t type, Answer answer) {
    std::lock_guard lock(mutex_);
    table_[{name, type}] = std::move(answer);
}

void FakeDnsServer::run() {
    std::vector<uint8_t> buf(65535);
    while (!stop_) {
        pollfd fds[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
        if (poll(fds, 2, 20) <= 0) continue;
        if (fds[0].revents & POLLIN) {
            sockaddr_storage from{};
            socklen_t flen = sizeof from;
            const ssize_t n = recvfrom(udp_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &flen);
            if (n <= 0) continue;
            ++udp_queries;
            if (silent) continue;
            std::vector<uint8_t> out = respond({buf.begin(), buf.begin() + n}, true);
            if (out.empty()) continue;
            if (wrong_id_first || wrong_id_only) {
                std::vector<uint8_t> bad = out;
                bad[1] ^= 0x5a;
                sendto(udp_, bad.data(), bad.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
                if (wrong_id_only) continue;
            }
            sendto(udp_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
        }
        if (fds[1].revents & POLLIN) {
            const int c = accept(tcp_, nullptr, nullptr);
            if (c < 0) continue;
            ++tcp_queries;
            uint8_t l[2];
            if (!silent && recv(c, l, 2, MSG_WAITALL) == 2) {
                std::vector<uint8_t> q(static_cast<size_t>(l[0] << 8 | l[1]));
                if (recv(c, q.data(), q.size(), MSG_WAITALL) == static_cast<ssize_t>(q.size())) {
                    std::vector<uint8_t> out = respond(q, false);
                    const uint8_t ol[2] = {static_cast<uint8_t>(out.size() >> 8), static_cast<uint8_t>(out.size())};
                    send(c, ol, 2, MSG_NOSIGNAL);
                    send(c, out.data(), out.size(), MSG_NOSIGNAL);
                }
            }
            close(c);
        }
    }
}

std::vector<uint8_t> FakeDnsServer::respond(const std::vector<uint8_t>& query, bool udp) {
    ldns_pkt* q = nullptr;
    if (ldns_wire2pkt(&q, query.data(), query.size()) != LDNS_STATUS_OK) return {};
    const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
    char* qname = ldns_rdf2str(ldns_rr_owner(question));
    std::string name(qname);
    std::free(qname);
    if (!name.empty() && name.back() == '.') name.pop_back();
    const uint16_t type = ldns_rr_get_type(question);

    ldns_pkt* r = ldns_pkt_new();
    ldns_pkt_set_id(r, ldns_pkt_id(q));
    ldns_pkt_set_qr(r, true);
    ldns_pkt_set_aa(r, true);
    ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
    Answer a{3, {}};
    {
        std::lock_guard lock(mutex_);
        bool name_exists = false;
        for (const auto& [key, value] : table_) name_exists = name_exists || key.first == name;
        if (auto it = table_.find({name, type}); it != table_.end()) a = it->second;
        else if (name_exists) a = {0, {}};  // NODATA
    }
    ldns_pkt_set_rcode(r, a.rcode);
    if (udp && truncate_udp) {
        ldns_pkt_set_tc(r, true);
    } else {
        for (const auto& addr : a.addresses) {
            ldns_rr* rr = nullptr;
            const std::string text = name + ". 30 IN " + (type == 28 ? "AAAA " : "A ") + addr;
            if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK)
                ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
        }
    }
    uint8_t* wire = nullptr;
    size_t len = 0;
    ldns_pkt2wire(&wire, r, &len);
    std::vector<uint8_t> out(wire, wire + len);
    std::free(wire);
    ldns_pkt_free(r);
    ldns_pkt_free(q);
    return out;
}

}  // namespace xgslb::test
