// The one thread behind each of the daemon's small stream servers (the metrics endpoint, the
// control socket): it accepts connections on a listening socket and hands them, one at a time,
// to the owner's function, until the loop is destroyed. One connection at a time is the point:
// these servers answer an operator or a scraper, and each bounds the time a client may take,
// so a slow client delays the next one but never grows the daemon.
#pragma once

#include <functional>
#include <string>
#include <thread>

namespace xgslb {

class AcceptLoop {
public:
    // Called on the loop's thread with an accepted connection (SOCK_CLOEXEC, plus what
    // `accept_flags` adds, e.g. SOCK_NONBLOCK); the loop closes it afterwards. An exception is
    // logged with `name` and the loop goes on.
    using Serve = std::function<void(int connection)>;

    // Takes `listen_fd` (bound and listening) and starts the thread. Throws xgslb::Error, after
    // closing `listen_fd`, when it cannot.
    AcceptLoop(std::string name, int listen_fd, int accept_flags, Serve serve);
    ~AcceptLoop();  // stops and joins the thread (a connection being served is finished first), closes the socket
    AcceptLoop(const AcceptLoop&) = delete;
    AcceptLoop& operator=(const AcceptLoop&) = delete;

    int listen_fd() const { return listen_fd_; }

private:
    void run();

    std::string name_;
    int listen_fd_;
    int accept_flags_;
    Serve serve_;
    int stop_fd_ = -1;  // eventfd: readable when the thread must stop
    std::thread thread_;
};

}  // namespace xgslb
