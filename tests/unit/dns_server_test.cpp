// The slow-path server over real sockets on loopback (no root): ephemeral ports on 127.0.0.1
// and ::1, a ZoneView from parse_config and the real Answerer, queries built and responses
// decoded with ldns.
#include "userspace/dns_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "userspace/config.h"
#include "userspace/error.h"
#include "userspace/server_sockets.h"
#include "userspace/zone_view.h"

namespace xgslb {
namespace {

using namespace std::chrono_literals;

// Two versions of the same zone, told apart by every field of one RRset: a torn or mixed answer
// matches neither.
std::string zone_yaml(const std::string& swap_record) {
    return R"(instance: server-test
zones:
  - zone: cloud.example.com
    negativeTtl: 45
dns:
  listen: ["127.0.0.1", "::1"]
records:
  - name: roundrobin.cloud.example.com
    ttl: 30
    a: [172.18.0.3, 172.18.0.4]
)" + swap_record;
}
const std::string kSwapOld = "  - {name: swap.cloud.example.com, ttl: 30, a: [192.0.2.1, 192.0.2.2]}\n";
const std::string kSwapNew = "  - {name: swap.cloud.example.com, ttl: 60, a: [198.51.100.1, 198.51.100.2, 198.51.100.3]}\n";

std::shared_ptr<const ZoneView> view_of(const std::string& swap_record) {
    return ZoneView::build(parse_config(zone_yaml(swap_record), "server-test.yaml"));
}

DnsServerOptions loopback_options(unsigned workers, std::chrono::milliseconds idle = 10s, uint32_t max_connections = 256) {
    DnsServerOptions o;
    for (const char* text : {"127.0.0.1", "::1"}) {
        SocketAddress a = parse_socket_address(text);
        a.port = 0;
        o.listen.push_back(a);
    }
    o.workers = workers;
    o.settings.tcp_idle_timeout = idle;
    o.settings.tcp_max_connections = max_connections;
    return o;
}

// ---- DNS messages (ldns) ------------------------------------------------------------------

using Packet = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;

std::vector<uint8_t> query(const std::string& name, ldns_rr_type type, uint16_t id) {
    ldns_pkt* p = nullptr;
    if (ldns_pkt_query_new_frm_str(&p, name.c_str(), type, LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK)
        throw Error("ldns: cannot build a query for " + name);
    Packet owned(p, ldns_pkt_free);
    ldns_pkt_set_id(p, id);
    uint8_t* wire = nullptr;
    size_t size = 0;
    if (ldns_pkt2wire(&wire, p, &size) != LDNS_STATUS_OK) throw Error("ldns: pkt2wire");
    std::vector<uint8_t> out(wire, wire + size);
    free(wire);
    return out;
}

Packet decode(const std::vector<uint8_t>& wire) {
    ldns_pkt* p = nullptr;
    if (ldns_wire2pkt(&p, wire.data(), wire.size()) != LDNS_STATUS_OK) return {nullptr, ldns_pkt_free};
    return {p, ldns_pkt_free};
}

// "rcode ttl addr,addr,..." of the answer section, addresses sorted: one string per RRset version.
std::string summary(const ldns_pkt* p) {
    std::string out = std::to_string(ldns_pkt_get_rcode(p));
    const ldns_rr_list* answer = ldns_pkt_answer(p);
    std::set<uint32_t> ttls;
    std::vector<std::string> addresses;
    for (size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(answer, i);
        ttls.insert(ldns_rr_ttl(rr));
        char* text = ldns_rdf2str(ldns_rr_rdf(rr, 0));
        addresses.emplace_back(text);
        free(text);
    }
    std::sort(addresses.begin(), addresses.end());
    for (uint32_t t : ttls) out += " " + std::to_string(t);
    for (size_t i = 0; i < addresses.size(); ++i) out += (i ? "," : " ") + addresses[i];
    return out;
}

// ---- sockets --------------------------------------------------------------------------------

sockaddr_storage address_of(const SocketAddress& a, socklen_t& len) {
    sockaddr_storage ss{};
    len = to_sockaddr(a, ss);
    return ss;
}

bool readable(int fd, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

// One UDP query from a connected socket (so only the server's address is accepted as the source).
std::optional<std::vector<uint8_t>> udp_exchange(const SocketAddress& server, const std::vector<uint8_t>& q,
                                                 std::chrono::milliseconds timeout = 2s) {
    Fd fd(socket(server.family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    socklen_t len;
    const sockaddr_storage to = address_of(server, len);
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), len) != 0) throw Error("connect");
    if (send(fd.get(), q.data(), q.size(), 0) != static_cast<ssize_t>(q.size())) throw Error("send");
    if (!readable(fd.get(), timeout)) return std::nullopt;
    std::vector<uint8_t> buf(65535);
    const ssize_t n = recv(fd.get(), buf.data(), buf.size(), 0);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<size_t>(n));
    return buf;
}

Fd tcp_connect(const SocketAddress& server) {
    Fd fd(socket(server.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    socklen_t len;
    const sockaddr_storage to = address_of(server, len);
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), len) != 0) throw Error("tcp connect");
    return fd;
}

void write_all(int fd, const std::vector<uint8_t>& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) throw Error("tcp send");
        done += static_cast<size_t>(n);
    }
}

std::vector<uint8_t> framed(const std::vector<uint8_t>& message) {
    std::vector<uint8_t> out{static_cast<uint8_t>(message.size() >> 8), static_cast<uint8_t>(message.size())};
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

// Exactly n octets, or fewer when the connection closes or nothing comes for `timeout`.
std::vector<uint8_t> read_n(int fd, size_t n, std::chrono::milliseconds timeout = 2s) {
    std::vector<uint8_t> out(n);
    size_t got = 0;
    while (got < n && readable(fd, timeout)) {
        const ssize_t r = recv(fd, out.data() + got, n - got, 0);
        if (r <= 0) break;
        got += static_cast<size_t>(r);
    }
    out.resize(got);
    return out;
}

std::optional<std::vector<uint8_t>> read_message(int fd) {
    const auto prefix = read_n(fd, 2);
    if (prefix.size() < 2) return std::nullopt;
    const size_t length = size_t{prefix[0]} << 8 | prefix[1];
    auto message = read_n(fd, length);
    if (message.size() < length) return std::nullopt;
    return message;
}

// Polls `condition` until it holds, at most `timeout`: counters are bumped by the worker a
// moment after the client sees the effect.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 1s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// True when the server closed the connection (EOF or reset) within `timeout`.
bool closed_by_server(int fd, std::chrono::milliseconds timeout) {
    if (!readable(fd, timeout)) return false;
    uint8_t b;
    return recv(fd, &b, 1, 0) <= 0;
}

// ---- the tests ------------------------------------------------------------------------------

class DnsServerTest : public ::testing::Test {
protected:
    void start(DnsServerOptions options) { server_ = std::make_unique<DnsServer>(std::move(options), view_of(kSwapOld)); }

    const SocketAddress& v4() const { return server_->bound().at(0); }
    const SocketAddress& v6() const { return server_->bound().at(1); }

    std::unique_ptr<DnsServer> server_;
};

TEST_F(DnsServerTest, BindsOnePortForUdpAndTcpOnEveryAddress) {
    start(loopback_options(2));
    ASSERT_EQ(server_->bound().size(), 2u);
    EXPECT_NE(v4().port, 0);
    EXPECT_NE(v6().port, 0);
    EXPECT_EQ(server_->workers(), 2u);
    // TCP is there on the same port.
    tcp_connect(v4());
    tcp_connect(v6());
}

TEST_F(DnsServerTest, UdpQueryIsAnsweredOverIpv4AndIpv6) {
    start(loopback_options(2));
    uint16_t id = 100;
    for (const SocketAddress* server : {&v4(), &v6()}) {
        const auto response = udp_exchange(*server, query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, ++id));
        ASSERT_TRUE(response) << "no answer from " << server->to_string();
        const Packet p = decode(*response);
        ASSERT_TRUE(p);
        EXPECT_EQ(ldns_pkt_id(p.get()), id);
        EXPECT_TRUE(ldns_pkt_qr(p.get()));
        EXPECT_TRUE(ldns_pkt_aa(p.get()));
        EXPECT_EQ(summary(p.get()), "0 30 172.18.0.3,172.18.0.4") << server->to_string();
    }
    // The slow path's own answers: apex SOA, and REFUSED outside our zones.
    auto response = udp_exchange(v4(), query("cloud.example.com", LDNS_RR_TYPE_SOA, 7));
    ASSERT_TRUE(response);
    Packet p = decode(*response);
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
    ASSERT_EQ(ldns_pkt_ancount(p.get()), 1);
    EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p.get()), 0)), LDNS_RR_TYPE_SOA);
    response = udp_exchange(v6(), query("www.example.org", LDNS_RR_TYPE_A, 8));
    ASSERT_TRUE(response);
    p = decode(*response);
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_REFUSED);

    // A response is counted when its send completes, a moment after the client may have it.
    EXPECT_TRUE(eventually([&] { return server_->total().udp_responses == 4; }));
    EXPECT_EQ(server_->total().udp_queries, 4u);
    EXPECT_EQ(server_->total().dropped, 0u);
}

TEST_F(DnsServerTest, UdpMessageTheAnswererDropsGetsNoResponse) {
    start(loopback_options(1));
    auto q = query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, 9);
    q[2] |= 0x80;  // QR=1: a response, never answered
    EXPECT_FALSE(udp_exchange(v4(), q, 300ms));
    EXPECT_EQ(server_->total().dropped, 1u);
}

TEST_F(DnsServerTest, TcpPipelinedQueriesInOneWriteAreAnsweredInOrder) {
    start(loopback_options(2));
    const Fd fd = tcp_connect(v4());
    std::vector<uint8_t> wire = framed(query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, 1));
    const auto second = framed(query("swap.cloud.example.com", LDNS_RR_TYPE_A, 2));
    const auto third = framed(query("nope.cloud.example.com", LDNS_RR_TYPE_A, 3));
    wire.insert(wire.end(), second.begin(), second.end());
    wire.insert(wire.end(), third.begin(), third.end());
    write_all(fd.get(), wire);
    const std::string expected[] = {"0 30 172.18.0.3,172.18.0.4", "0 30 192.0.2.1,192.0.2.2", "3"};
    for (uint16_t id = 1; id <= 3; ++id) {
        const auto response = read_message(fd.get());
        ASSERT_TRUE(response) << "response " << id;
        const Packet p = decode(*response);
        ASSERT_TRUE(p);
        EXPECT_EQ(ldns_pkt_id(p.get()), id);
        EXPECT_EQ(summary(p.get()), expected[id - 1]);
    }
    EXPECT_EQ(server_->total().tcp_queries, 3u);
    EXPECT_EQ(server_->total().tcp_responses, 3u);
}

TEST_F(DnsServerTest, TcpQuerySplitAcrossWritesIsReassembled) {
    start(loopback_options(2));
    for (const SocketAddress* server : {&v4(), &v6()}) {
        const Fd fd = tcp_connect(*server);
        const int one = 1;
        setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const auto wire = framed(query("roundrobin.cloud.example.com", LDNS_RR_TYPE_AAAA, 42));
        // Inside the length prefix, then inside the message.
        for (size_t cut : {size_t{1}, size_t{9}}) {
            write_all(fd.get(), {wire.begin(), wire.begin() + static_cast<long>(cut)});
            std::this_thread::sleep_for(30ms);
            EXPECT_FALSE(readable(fd.get(), 0ms)) << "answered half a query";
            write_all(fd.get(), {wire.begin() + static_cast<long>(cut), wire.end()});
            const auto response = read_message(fd.get());
            ASSERT_TRUE(response) << server->to_string() << " cut " << cut;
            const Packet p = decode(*response);
            ASSERT_TRUE(p);
            EXPECT_EQ(ldns_pkt_id(p.get()), 42);
            EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
        }
    }
}

// Thousands of pipelined queries written before any response is read: the server's writes hit
// a full socket buffer (partial writes), it stops reading (back-pressure), and every response
// still arrives, whole and in order.
TEST_F(DnsServerTest, TcpManyPipelinedQueriesWithASlowReader) {
    start(loopback_options(1));
    const Fd fd = tcp_connect(v4());
    constexpr uint16_t kQueries = 20000;
    std::vector<uint8_t> wire;
    for (uint16_t id = 0; id < kQueries; ++id) {
        const auto f = framed(query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, id));
        wire.insert(wire.end(), f.begin(), f.end());
    }
    std::thread writer([&] { write_all(fd.get(), wire); });
    std::this_thread::sleep_for(200ms);  // let both directions fill up
    uint16_t id = 0;
    for (; id < kQueries; ++id) {
        const auto response = read_message(fd.get());
        if (!response) break;
        const Packet p = decode(*response);
        if (!p || ldns_pkt_id(p.get()) != id) break;
    }
    writer.join();
    EXPECT_EQ(id, kQueries) << "responses stopped or came out of order at " << id;
}

TEST_F(DnsServerTest, IdleTcpConnectionIsClosed) {
    start(loopback_options(1, 200ms));
    const Fd idle = tcp_connect(v4());
    const Fd busy = tcp_connect(v4());
    const auto started = std::chrono::steady_clock::now();
    // Activity keeps a connection open past the timeout.
    for (int i = 0; i < 5; ++i) {
        std::this_thread::sleep_for(100ms);
        write_all(busy.get(), framed(query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, 1)));
        ASSERT_TRUE(read_message(busy.get())) << "busy connection closed after " << i << " queries";
    }
    EXPECT_TRUE(closed_by_server(idle.get(), 1s));
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, 200ms);
    EXPECT_LT(waited, 1000ms);
    EXPECT_TRUE(closed_by_server(busy.get(), 1s));
    EXPECT_EQ(server_->total().tcp_idle_closed, 2u);
    EXPECT_TRUE(eventually([&] { return server_->total().tcp_open == 0; }));
}

TEST_F(DnsServerTest, ConnectionsOverTheLimitAreClosed) {
    start(loopback_options(1, 10s, 2));
    const Fd a = tcp_connect(v4());
    Fd b = tcp_connect(v4());
    // Make sure both are accepted before the third comes.
    for (const int fd : {a.get(), b.get()}) {
        write_all(fd, framed(query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, 1)));
        ASSERT_TRUE(read_message(fd));
    }
    const Fd c = tcp_connect(v4());
    EXPECT_TRUE(closed_by_server(c.get(), 1s));
    EXPECT_EQ(server_->total().tcp_refused, 1u);
    // The first two still work, and a slot freed by a client is reused.
    write_all(a.get(), framed(query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, 2)));
    EXPECT_TRUE(read_message(a.get()));
    b = Fd();
    std::this_thread::sleep_for(100ms);
    const Fd d = tcp_connect(v4());
    write_all(d.get(), framed(query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, 3)));
    EXPECT_TRUE(read_message(d.get()));
}

TEST_F(DnsServerTest, ClientHalfCloseStillGetsItsAnswers) {
    start(loopback_options(1));
    const Fd fd = tcp_connect(v6());
    write_all(fd.get(), framed(query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, 5)));
    shutdown(fd.get(), SHUT_WR);
    EXPECT_TRUE(read_message(fd.get()));
    EXPECT_TRUE(closed_by_server(fd.get(), 1s));
}

// Publishing while clients query: every answer is wholly the old view's or wholly the new one's.
TEST_F(DnsServerTest, ViewSwapWhileQueryingNeverTearsAnAnswer) {
    start(loopback_options(2));
    const auto old_view = view_of(kSwapOld);
    const auto new_view = view_of(kSwapNew);
    const std::string old_answer = "0 30 192.0.2.1,192.0.2.2";
    const std::string new_answer = "0 60 198.51.100.1,198.51.100.2,198.51.100.3";

    std::atomic<bool> done{false};
    std::atomic<int> publishes{0};
    std::thread publisher([&] {
        while (!done) {
            server_->publish(publishes % 2 ? old_view : new_view);
            ++publishes;
            std::this_thread::sleep_for(100us);
        }
    });
    std::map<std::string, int> seen;
    std::atomic<int> bad{0};
    const auto client = [&](const SocketAddress& server, std::map<std::string, int>& out) {
        for (uint16_t id = 0; id < 1500; ++id) {
            const auto response = udp_exchange(server, query("swap.cloud.example.com", LDNS_RR_TYPE_A, id));
            const Packet p = response ? decode(*response) : Packet(nullptr, ldns_pkt_free);
            const std::string s = p ? summary(p.get()) : "no response";
            if (s != old_answer && s != new_answer) ++bad;
            ++out[s];
        }
    };
    std::map<std::string, int> seen6;
    std::thread other(client, std::cref(v6()), std::ref(seen6));
    client(v4(), seen);
    other.join();
    done = true;
    publisher.join();
    for (const auto& [s, n] : seen6) seen[s] += n;
    EXPECT_EQ(bad, 0);
    std::string all;
    for (const auto& [s, n] : seen) all += "\n  " + std::to_string(n) + " x " + s;
    EXPECT_EQ(seen.size(), 2u) << "answers seen:" << all;
    EXPECT_GT(publishes, 100);
}

TEST_F(DnsServerTest, StopsPromptlyWithConnectionsOpen) {
    start(loopback_options(2));
    const Fd a = tcp_connect(v4());
    write_all(a.get(), {0x00});  // half a length prefix: a recv is in flight for it
    const Fd b = tcp_connect(v6());
    const auto started = std::chrono::steady_clock::now();
    server_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
    EXPECT_TRUE(closed_by_server(a.get(), 1s));
    EXPECT_FALSE(udp_exchange(v4(), query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, 1), 300ms));
    server_->stop();  // idempotent
}

TEST(DnsServerSetup, AnAddressInUseIsAnErrorNamingIt) {
    // A plain (non-SO_REUSEPORT) socket holds the port.
    Fd holder(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(holder.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    socklen_t len = sizeof sin;
    getsockname(holder.get(), reinterpret_cast<sockaddr*>(&sin), &len);
    DnsServerOptions o;
    o.listen = {parse_socket_address("127.0.0.1:" + std::to_string(ntohs(sin.sin_port)))};
    o.workers = 1;
    try {
        DnsServer server(o, view_of(kSwapOld));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(ntohs(sin.sin_port))), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos) << e.what();
    }
}

// A wildcard socket answers from the address the query was sent to (IP_PKTINFO): 127.0.0.2 is
// local but not 127.0.0.1, and the connected client accepts only a reply from 127.0.0.2.
TEST(DnsServerWildcard, ReplyComesFromTheQueriedAddress) {
    DnsServerOptions o;
    SocketAddress any = parse_socket_address("0.0.0.0");
    any.port = 0;
    SocketAddress any6 = parse_socket_address("::");
    any6.port = 0;
    o.listen = {any, any6};
    o.workers = 1;
    DnsServer server(o, view_of(kSwapOld));
    for (const char* target : {"127.0.0.2", "127.0.0.1", "::1"}) {
        SocketAddress to = parse_socket_address(target);
        to.port = server.bound().at(to.family == AF_INET6 ? 1 : 0).port;
        const auto response = udp_exchange(to, query("roundrobin.cloud.example.com", LDNS_RR_TYPE_A, 1));
        EXPECT_TRUE(response) << "no reply from " << target;
    }
}

}  // namespace
}  // namespace xgslb
