#include "userspace/accept_loop.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "userspace/error.h"

namespace xgslb {

AcceptLoop::AcceptLoop(std::string name, int listen_fd, int accept_flags, Serve serve)
    : name_(std::move(name)), listen_fd_(listen_fd), accept_flags_(accept_flags), serve_(std::move(serve)) {
    try {
        // accept4 after poll must not block when the client has gone meanwhile.
        const int flags = fcntl(listen_fd_, F_GETFL);
        if (flags < 0 || fcntl(listen_fd_, F_SETFL, flags | O_NONBLOCK) != 0) throw_errno(name_ + ": fcntl", errno);
        stop_fd_ = eventfd(0, EFD_CLOEXEC);
        if (stop_fd_ < 0) throw_errno(name_ + ": eventfd", errno);
        thread_ = std::thread([this] { run(); });
    } catch (...) {
        if (stop_fd_ >= 0) close(stop_fd_);
        close(listen_fd_);
        throw;
    }
}

AcceptLoop::~AcceptLoop() {
    const uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof one) != sizeof one) spdlog::error("{}: cannot signal its thread", name_);
    thread_.join();
    close(stop_fd_);
    close(listen_fd_);
}

void AcceptLoop::run() {
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            spdlog::error("{}: poll: {}", name_, std::strerror(errno));
            return;
        }
        if (fds[1].revents) return;
        if (!fds[0].revents) continue;
        const int connection = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | accept_flags_);
        if (connection < 0) continue;  // the client gave up already, or out of fds: the next one
        try {
            serve_(connection);
        } catch (const std::exception& e) {
            spdlog::warn("{}: {}", name_, e.what());
        }
        close(connection);
    }
}

}  // namespace xgslb
