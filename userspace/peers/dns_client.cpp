#include "userspace/peers/dns_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdbool.h>  // before ldns, whose common.h otherwise #defines bool in C++
#include <ldns/ldns.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "userspace/dns_message.h"

namespace xgslb {

namespace {

using Clock = std::chrono::steady_clock;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

socklen_t to_sockaddr(const SocketAddress& a, sockaddr_storage& out) {
    std::memset(&out, 0, sizeof out);
    if (a.family == AF_INET6) {
        auto* s = reinterpret_cast<sockaddr_in6*>(&out);
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(a.port);
        std::memcpy(&s->sin6_addr, a.addr.data(), 16);
        return sizeof *s;
    }
    auto* s = reinterpret_cast<sockaddr_in*>(&out);
    s->sin_family = AF_INET;
    s->sin_port = htons(a.port);
    std::memcpy(&s->sin_addr, a.addr.data(), 4);
    return sizeof *s;
}

// Waits for `events` on `fd` until the deadline, in short slices so a set `stop` is seen soon.
// Returns false on timeout or stop.
bool wait_fd(int fd, short events, Clock::time_point deadline, const std::atomic<bool>* stop) {
    for (;;) {
        if (stop && stop->load()) return false;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd, events, 0};
        const int n = poll(&p, 1, static_cast<int>(std::min<long long>(left, 50)));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

// The end of the question (or UPDATE zone) entry of a message, or 0 when it does not parse.
// Compression is refused: neither our requests nor a sane response compress the question.
size_t question_end(std::span<const uint8_t> m) {
    if (m.size() < dns::kHeaderLen || (m[4] << 8 | m[5]) != 1) return 0;
    size_t pos = dns::kHeaderLen;
    while (pos < m.size() && m[pos] != 0) {
        if (m[pos] > 63) return 0;
        pos += m[pos] + 1u;
    }
    pos += 1 + 4;  // root label, type, class
    return pos <= m.size() ? pos : 0;
}

// Same ID, QR set, and the same question (names compared case-insensitively, RFC 4343).
bool matches(std::span<const uint8_t> request, std::span<const uint8_t> response) {
    const size_t qe = question_end(request), re = question_end(response);
    if (!qe || qe != re) return false;
    if (request[0] != response[0] || request[1] != response[1] || !(response[2] & 0x80)) return false;
    for (size_t i = dns::kHeaderLen; i < qe; ++i)
        if (std::tolower(request[i]) != std::tolower(response[i])) return false;
    return true;
}

DnsExchangeOutcome over_udp(const SocketAddress& server, std::span<const uint8_t> request, Clock::time_point deadline,
                            const std::atomic<bool>* stop) {
    Fd fd(socket(server.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return {std::nullopt, std::string("socket: ") + std::strerror(errno)};
    sockaddr_storage sa;
    const socklen_t len = to_sockaddr(server, sa);
    // connect(): the kernel binds a random ephemeral port and drops datagrams from other sources.
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0 ||
        send(fd.get(), request.data(), request.size(), 0) != static_cast<ssize_t>(request.size()))
        return {std::nullopt, std::strerror(errno)};
    std::vector<uint8_t> buf(65535);
    unsigned mismatched = 0;
    while (wait_fd(fd.get(), POLLIN, deadline, stop)) {
        const ssize_t n = recv(fd.get(), buf.data(), buf.size(), 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            return {std::nullopt, std::strerror(errno)};  // e.g. ECONNREFUSED from an ICMP port unreachable
        }
        const std::span<const uint8_t> response(buf.data(), static_cast<size_t>(n));
        if (!matches(request, response)) {  // a stray or spoofed datagram: keep waiting
            ++mismatched;
            continue;
        }
        return {std::vector<uint8_t>(response.begin(), response.end()), {}};
    }
    if (stop && stop->load()) return {std::nullopt, "stopped"};
    // Say so when something did answer: a server sending garbage is not a silent one.
    if (mismatched)
        return {std::nullopt, "timeout; ignored " + std::to_string(mismatched) +
                                  " datagram(s) not matching the query (ID, QR or question)"};
    return {std::nullopt, "timeout"};
}

bool write_all(int fd, const uint8_t* p, size_t n, Clock::time_point deadline, const std::atomic<bool>* stop) {
    while (n > 0) {
        if (!wait_fd(fd, POLLOUT, deadline, stop)) return false;
        const ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

bool read_all(int fd, uint8_t* p, size_t n, Clock::time_point deadline, const std::atomic<bool>* stop) {
    while (n > 0) {
        if (!wait_fd(fd, POLLIN, deadline, stop)) return false;
        const ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

DnsExchangeOutcome over_tcp(const SocketAddress& server, std::span<const uint8_t> request, Clock::time_point deadline,
                            const std::atomic<bool>* stop) {
    Fd fd(socket(server.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return {std::nullopt, std::string("socket: ") + std::strerror(errno)};
    sockaddr_storage sa;
    const socklen_t len = to_sockaddr(server, sa);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0 && errno != EINPROGRESS)
        return {std::nullopt, std::string("tcp connect: ") + std::strerror(errno)};
    if (!wait_fd(fd.get(), POLLOUT, deadline, stop)) return {std::nullopt, "tcp connect: timeout"};
    int err = 0;
    socklen_t elen = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err) return {std::nullopt, std::string("tcp connect: ") + std::strerror(err)};
    std::vector<uint8_t> framed{static_cast<uint8_t>(request.size() >> 8), static_cast<uint8_t>(request.size())};
    framed.insert(framed.end(), request.begin(), request.end());
    if (!write_all(fd.get(), framed.data(), framed.size(), deadline, stop)) return {std::nullopt, "tcp write failed"};
    // Responses to other IDs cannot come on our own connection; one message is read and checked.
    uint8_t lenbuf[2];
    if (!read_all(fd.get(), lenbuf, 2, deadline, stop)) return {std::nullopt, "tcp read: timeout or closed"};
    std::vector<uint8_t> response(static_cast<size_t>(lenbuf[0] << 8 | lenbuf[1]));
    if (!read_all(fd.get(), response.data(), response.size(), deadline, stop))
        return {std::nullopt, "tcp read: timeout or closed"};
    if (!matches(request, response)) return {std::nullopt, "tcp: response does not match the request"};
    return {std::move(response), {}};
}

}  // namespace

uint16_t random_dns_id() {
    uint16_t id = 0;
    while (getrandom(&id, sizeof id, 0) != sizeof id) {
    }
    return id;
}

DnsExchangeOutcome dns_exchange(const SocketAddress& server, std::span<const uint8_t> request,
                                std::chrono::milliseconds timeout, DnsTransport transport,
                                const std::atomic<bool>* stop) {
    const Clock::time_point deadline = Clock::now() + timeout;
    if (question_end(request) == 0) return {std::nullopt, "malformed request"};
    if (transport == DnsTransport::TcpOnly) return over_tcp(server, request, deadline, stop);
    DnsExchangeOutcome udp = over_udp(server, request, deadline, stop);
    if (!udp.response || !((*udp.response)[2] & 0x02)) return udp;  // no TC bit
    // Truncated: the same question again over TCP, with a fresh timeout (RFC 7766 5).
    return over_tcp(server, request, Clock::now() + timeout, stop);
}

AddressLookup lookup_addresses(const SocketAddress& server, const std::string& name, uint16_t type,
                               std::chrono::milliseconds timeout, const std::atomic<bool>* stop) {
    AddressLookup out;
    ldns_rdf* qname = ldns_dname_new_frm_str(name.c_str());
    if (!qname) {
        out.error = "bad name '" + name + "'";
        return out;
    }
    ldns_pkt* q = ldns_pkt_query_new(qname, static_cast<ldns_rr_type>(type), LDNS_RR_CLASS_IN, 0);
    ldns_pkt_set_id(q, random_dns_id());
    uint8_t* wire = nullptr;
    size_t wire_len = 0;
    const ldns_status st = ldns_pkt2wire(&wire, q, &wire_len);
    ldns_pkt_free(q);
    if (st != LDNS_STATUS_OK) {
        out.error = ldns_get_errorstr_by_id(st);
        return out;
    }
    const std::vector<uint8_t> request(wire, wire + wire_len);
    std::free(wire);

    DnsExchangeOutcome ex = dns_exchange(server, request, timeout, DnsTransport::UdpThenTcp, stop);
    if (!ex.response) {
        out.error = ex.error;
        return out;
    }
    ldns_pkt* r = nullptr;
    if (ldns_wire2pkt(&r, ex.response->data(), ex.response->size()) != LDNS_STATUS_OK) {
        out.error = "unparsable response";
        return out;
    }
    out.answered = true;
    out.rcode = ldns_pkt_get_rcode(r);
    ldns_rdf* owner = ldns_dname_new_frm_str(name.c_str());
    const ldns_rr_list* answer = ldns_pkt_answer(r);
    for (size_t i = 0; answer && i < ldns_rr_list_rr_count(answer); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(answer, i);
        if (ldns_dname_compare(ldns_rr_owner(rr), owner) != 0 || ldns_rr_rd_count(rr) != 1) continue;
        const ldns_rdf* rd = ldns_rr_rdf(rr, 0);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rdf_size(rd) == 4) {
            Ipv4Address a;
            std::memcpy(a.data(), ldns_rdf_data(rd), 4);
            out.a.push_back(a);
        } else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA && ldns_rdf_size(rd) == 16) {
            Ipv6Address a;
            std::memcpy(a.data(), ldns_rdf_data(rd), 16);
            out.aaaa.push_back(a);
        }
    }
    ldns_rdf_deep_free(owner);
    ldns_pkt_free(r);
    return out;
}

}  // namespace xgslb
