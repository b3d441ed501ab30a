#include "userspace/http_endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "userspace/config.h"

namespace xgslb {
namespace {

HttpResponse echo_path(std::string_view path) {
    if (path == "/missing") return {404, "text/plain", "no\n"};
    return {200, "text/plain", std::string(path) + "\n"};
}

TEST(HttpEndpoint, RespondParsesGetStripsQueryAndRefusesOtherMethods) {
    const std::string ok = HttpEndpoint::respond("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", echo_path);
    EXPECT_EQ(ok, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\n/metrics\n");
    EXPECT_EQ(HttpEndpoint::respond("HEAD /x HTTP/1.1\r\n\r\n", echo_path).find("/x\n"), std::string::npos);
    EXPECT_EQ(HttpEndpoint::respond("POST /x HTTP/1.1\r\n\r\n", echo_path).rfind("HTTP/1.1 405", 0), 0u);
    EXPECT_EQ(HttpEndpoint::respond("GET /x\r\n\r\n", echo_path).rfind("HTTP/1.1 400", 0), 0u);
    EXPECT_EQ(HttpEndpoint::respond("GET x HTTP/1.1\r\n\r\n", echo_path).rfind("HTTP/1.1 400", 0), 0u);
    EXPECT_EQ(HttpEndpoint::respond("GET /missing HTTP/1.0\r\n\r\n", echo_path).rfind("HTTP/1.1 404", 0), 0u);
}

class Client {
public:
    explicit Client(uint16_t port) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        const timeval tv{5, 0};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~Client() { close(fd_); }
    bool connected() const { return connected_; }
    void send_text(const std::string& s) { ASSERT_EQ(send(fd_, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size())); }
    std::string read_all() {
        std::string out;
        char buf[4096];
        for (ssize_t n; (n = recv(fd_, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
        return out;
    }

private:
    int fd_;
    bool connected_;
};

// Port 0: the kernel picks a free one (the config parser refuses 0, so built by hand).
SocketAddress loopback_any_port() {
    SocketAddress a = parse_socket_address("127.0.0.1:9");
    a.port = 0;
    return a;
}

TEST(HttpEndpoint, ServesOverTcpAndClosesAfterOneResponse) {
    HttpEndpoint endpoint(loopback_any_port(), echo_path);
    ASSERT_NE(endpoint.port(), 0);
    Client c(endpoint.port());
    ASSERT_TRUE(c.connected());
    c.send_text("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string reply = c.read_all();  // ends: the server closes
    EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
    EXPECT_NE(reply.find("\r\n\r\n/healthz\n"), std::string::npos) << reply;
}

TEST(HttpEndpoint, OversizedRequestGets413AndSilentClientIsDroppedAfterTimeout) {
    HttpEndpoint endpoint(loopback_any_port(), echo_path);
    {
        Client big(endpoint.port());
        big.send_text("GET /" + std::string(9000, 'a'));
        EXPECT_EQ(big.read_all().rfind("HTTP/1.1 413", 0), 0u);
    }
    const auto started = std::chrono::steady_clock::now();
    Client silent(endpoint.port());
    silent.send_text("GET / HTTP/1.1\r\n");  // never finishes its head
    EXPECT_EQ(silent.read_all(), "");
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_GE(waited, std::chrono::milliseconds(1500));
    EXPECT_LE(waited, std::chrono::milliseconds(4500));
    // The endpoint still serves after both.
    Client next(endpoint.port());
    next.send_text("GET /after HTTP/1.1\r\n\r\n");
    EXPECT_NE(next.read_all().find("/after\n"), std::string::npos);
}

}  // namespace
}  // namespace xgslb
