#include "userspace/http_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "userspace/error.h"

namespace xgslb {
namespace {

constexpr size_t kMaxRequestHead = 8192;
constexpr int kRequestTimeoutMs = 2000;
constexpr int kReplyTimeoutMs = 5000;

const char* reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 413: return "Request Header Fields Too Large";
        case 503: return "Service Unavailable";
        default: return "Error";
    }
}

std::string render(const HttpResponse& r, bool with_body) {
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
    out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (r.status == 405) out += "Allow: GET, HEAD\r\n";
    out += "Connection: close\r\n\r\n";
    if (with_body) out += r.body;
    return out;
}

HttpResponse plain(int status, std::string body) { return {status, "text/plain; charset=utf-8", std::move(body)}; }

// Waits until fd is ready for `events` or the deadline passes.
bool wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, events, 0};
        const int n = poll(&p, 1, static_cast<int>(left.count()));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

}  // namespace

HttpEndpoint::HttpEndpoint(const SocketAddress& address, Handler handler) : handler_(std::move(handler)) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (address.family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(address.port);
        std::memcpy(&a->sin_addr, address.addr.data(), 4);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(address.port);
        std::memcpy(&a->sin6_addr, address.addr.data(), 16);
        len = sizeof *a;
    }
    const int fd = socket(address.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) throw_errno("metrics endpoint socket", errno);
    try {
        const int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // a restart rebinds at once
        if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
            throw_errno("binding the metrics endpoint to " + address.to_string(), errno);
        if (listen(fd, 16) != 0) throw_errno("listening on " + address.to_string(), errno);
        sockaddr_storage bound{};
        socklen_t bound_len = sizeof bound;
        getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
        port_ = ntohs(address.family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                                : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    } catch (...) {
        close(fd);
        throw;
    }
    loop_ = std::make_unique<AcceptLoop>("metrics endpoint", fd, SOCK_NONBLOCK,
                                         [this](int connection) { serve_one(connection); });
    SocketAddress shown = address;
    shown.port = port_;
    spdlog::info("metrics endpoint listening on http://{}/metrics", shown.to_string());
}

void HttpEndpoint::serve_one(int connection) {
    std::string head;
    const auto request_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kRequestTimeoutMs);
    char buf[2048];
    bool complete = false;
    while (!complete && head.size() <= kMaxRequestHead) {
        if (!wait_ready(connection, POLLIN, request_deadline)) return;  // too slow: no reply
        const ssize_t n = recv(connection, buf, sizeof buf, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return;
        head.append(buf, static_cast<size_t>(n));
        complete = head.find("\r\n\r\n") != std::string::npos || head.find("\n\n") != std::string::npos;
    }
    const std::string out = complete ? respond(head, handler_) : render(plain(413, "request head too large\n"), true);
    std::string_view rest = out;
    const auto reply_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReplyTimeoutMs);
    while (!rest.empty()) {
        const ssize_t n = send(connection, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            if (!wait_ready(connection, POLLOUT, reply_deadline)) return;
            continue;
        }
        if (n <= 0) return;
        rest.remove_prefix(static_cast<size_t>(n));
    }
}

std::string HttpEndpoint::respond(std::string_view request, const Handler& handler) {
    const size_t line_end = request.find_first_of("\r\n");
    const std::string_view line = request.substr(0, line_end);
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0)
        return render(plain(400, "bad request line\n"), true);
    const std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const bool head_only = method == "HEAD";
    if (method != "GET" && !head_only) return render(plain(405, "only GET and HEAD\n"), true);
    if (target.empty() || target[0] != '/') return render(plain(400, "bad request target\n"), true);
    target = target.substr(0, target.find('?'));
    return render(handler(target), !head_only);
}

}  // namespace xgslb
