#include "userspace/server_sockets.h"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "userspace/error.h"

namespace xgslb {
namespace {

// Queries wait here when a worker falls behind a burst; beyond it the kernel drops them.
constexpr int kUdpReceiveBuffer = 4 << 20;
constexpr int kTcpBacklog = 1024;
// Random ports picked for port 0 that another program already holds over the other protocol.
constexpr int kPortAttempts = 16;

void set_option(int fd, int level, int name, int value, const SocketAddress& address, const char* what) {
    if (setsockopt(fd, level, name, &value, sizeof value) != 0)
        throw_errno("listening on " + address.to_string() + ": setting " + what, errno);
}

Fd open_socket(const SocketAddress& address, int type) {
    // Blocking: io_uring waits for readiness itself, and would hand back EAGAIN on an
    // O_NONBLOCK socket instead.
    const int fd = socket(address.family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("listening on " + address.to_string() + ": socket", errno);
    Fd owned(fd);
    set_option(fd, SOL_SOCKET, SO_REUSEPORT, 1, address, "SO_REUSEPORT");
    if (type == SOCK_STREAM) set_option(fd, SOL_SOCKET, SO_REUSEADDR, 1, address, "SO_REUSEADDR");
    // An IPv6 socket takes only IPv6, so "[::]:53" and "0.0.0.0:53" can both be listed.
    if (address.family == AF_INET6) set_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, address, "IPV6_V6ONLY");
    if (type == SOCK_DGRAM) {
        int size = kUdpReceiveBuffer;
        // Best effort: net.core.rmem_max caps it, and a smaller buffer still works.
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        if (address.is_wildcard()) {
            if (address.family == AF_INET) set_option(fd, IPPROTO_IP, IP_PKTINFO, 1, address, "IP_PKTINFO");
            else set_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, address, "IPV6_RECVPKTINFO");
        }
    }
    return owned;
}

// Binds; returns errno instead of throwing so a picked port can be retried.
int try_bind(const Fd& fd, const SocketAddress& address) {
    sockaddr_storage ss{};
    const socklen_t len = to_sockaddr(address, ss);
    return bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) == 0 ? 0 : errno;
}

uint16_t bound_port(const Fd& fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) throw_errno("getsockname", errno);
    const in_port_t port = ss.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(ss).sin6_port
                                                    : reinterpret_cast<const sockaddr_in&>(ss).sin_port;
    return ntohs(port);
}

ListenSocket bound_socket(const SocketAddress& address, int type) {
    ListenSocket s{open_socket(address, type), address, address.is_wildcard()};
    if (const int err = try_bind(s.fd, address); err != 0)
        throw_errno("listening on " + address.to_string() + (type == SOCK_DGRAM ? " (UDP)" : " (TCP)") + ": bind",
                    err);
    if (type == SOCK_STREAM && listen(s.fd.get(), kTcpBacklog) != 0)
        throw_errno("listening on " + address.to_string() + " (TCP): listen", errno);
    return s;
}

// Port 0: the kernel picks a UDP port, and TCP must get the same one. Another program may hold
// it for TCP; then try a new one.
SocketAddress pick_port(const SocketAddress& address) {
    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
        Fd udp = open_socket(address, SOCK_DGRAM);
        if (const int err = try_bind(udp, address); err != 0)
            throw_errno("listening on " + address.to_string() + " (UDP): bind", err);
        SocketAddress picked = address;
        picked.port = bound_port(udp);
        Fd tcp = open_socket(picked, SOCK_STREAM);
        if (try_bind(tcp, picked) == 0) return picked;
    }
    throw Error("listening on " + address.to_string() + ": no port free for both UDP and TCP after " +
                std::to_string(kPortAttempts) + " attempts");
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

Fd::~Fd() {
    if (fd_ >= 0) close(fd_);
}

socklen_t to_sockaddr(const SocketAddress& address, sockaddr_storage& out) {
    out = {};
    if (address.family == AF_INET6) {
        auto& sin6 = reinterpret_cast<sockaddr_in6&>(out);
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(address.port);
        std::memcpy(&sin6.sin6_addr, address.addr.data(), 16);
        return sizeof sin6;
    }
    auto& sin = reinterpret_cast<sockaddr_in&>(out);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(address.port);
    std::memcpy(&sin.sin_addr, address.addr.data(), 4);
    return sizeof sin;
}

std::vector<WorkerSockets> open_server_sockets(const std::vector<SocketAddress>& listen, unsigned workers) {
    std::vector<SocketAddress> addresses;
    for (const auto& a : listen) addresses.push_back(a.port == 0 ? pick_port(a) : a);
    std::vector<WorkerSockets> out(workers);
    for (auto& w : out)
        for (const auto& a : addresses) {
            w.udp.push_back(bound_socket(a, SOCK_DGRAM));
            w.tcp.push_back(bound_socket(a, SOCK_STREAM));
        }
    return out;
}

}  // namespace xgslb
