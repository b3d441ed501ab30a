// The slow-path server's listening sockets: per worker, one UDP socket and one TCP listener per
// configured address, all with SO_REUSEPORT so the kernel spreads queries and connections over
// the workers. Setup problems throw xgslb::Error naming the address.
#pragma once

#include <sys/socket.h>

#include <utility>
#include <vector>

#include "userspace/config.h"

namespace xgslb {

// An owned file descriptor, closed on destruction.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd();

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

struct ListenSocket {
    Fd fd;
    SocketAddress address;   // as bound: the port is the real one when the config said 0
    bool wildcard = false;   // the reply's source is taken from IP_PKTINFO / IPV6_PKTINFO
};

struct WorkerSockets {
    std::vector<ListenSocket> udp;
    std::vector<ListenSocket> tcp;
};

// `workers` sets of sockets for `listen`. Port 0 (tests) picks one free port per address,
// shared by UDP and TCP and by every worker.
std::vector<WorkerSockets> open_server_sockets(const std::vector<SocketAddress>& listen, unsigned workers);

// The sockaddr for `address`; returns its length.
socklen_t to_sockaddr(const SocketAddress& address, sockaddr_storage& out);

}  // namespace xgslb
