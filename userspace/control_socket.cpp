#include "userspace/control_socket.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <vector>

#include "userspace/error.h"
#include "userspace/zone_export.h"

namespace xgslb {

namespace {

constexpr size_t kMaxCommand = 1024;
constexpr const char* kCommands = "zone-export [ZONE], status";

sockaddr_un unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        throw Error("control socket path longer than " + std::to_string(sizeof addr.sun_path - 1) + " octets: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// A peer that stops reading or writing must not hold the control thread (or xgslbctl) forever.
void set_timeouts(int fd, int seconds) {
    const timeval tv{seconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

void make_directory_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return;
    const std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("creating " + dir, errno);
}

// A socket file left by a killed daemon is ours to replace (the caller holds the instance lock);
// anything else at that path is not.
void remove_stale_socket(const std::string& path) {
    struct stat st{};
    if (lstat(path.c_str(), &st) != 0) return;
    if (!S_ISSOCK(st.st_mode)) throw Error(path + " exists and is not a socket; remove it or choose another instance");
    if (unlink(path.c_str()) != 0) throw_errno("removing the stale " + path, errno);
}

}  // namespace

std::string control_socket_path(const std::string& instance) { return "/run/xgslb/" + instance + ".sock"; }

ControlSocket::ControlSocket(std::string path, std::shared_ptr<const ZoneView> view)
    : path_(std::move(path)), view_(std::move(view)) {
    const sockaddr_un addr = unix_address(path_);
    make_directory_of(path_);
    remove_stale_socket(path_);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("control socket", errno);
    bool bound = false;
    try {
        if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
            throw_errno("binding the control socket " + path_, errno);
        bound = true;
        if (chmod(path_.c_str(), 0600) != 0) throw_errno("chmod 0600 " + path_, errno);
        if (listen(fd, 8) != 0) throw_errno("listening on " + path_, errno);
    } catch (...) {
        close(fd);
        if (bound) unlink(path_.c_str());
        throw;
    }
    try {
        loop_ = std::make_unique<AcceptLoop>("control socket", fd, 0, [this](int connection) { serve_one(connection); });
    } catch (...) {
        unlink(path_.c_str());
        throw;
    }
    spdlog::info("control socket: listening on {}", path_);
}

ControlSocket::~ControlSocket() {
    loop_.reset();  // no client is served after this
    unlink(path_.c_str());
}

void ControlSocket::serve_one(int connection) {
    set_timeouts(connection, 2);
    std::string line;
    char buf[256];
    while (line.find('\n') == std::string::npos && line.size() <= kMaxCommand) {
        const ssize_t n = recv(connection, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        line.append(buf, static_cast<size_t>(n));
    }
    const size_t end = line.find('\n');
    std::string out;
    if (end == std::string::npos || end > kMaxCommand) {
        out = "error: expected one command line of at most " + std::to_string(kMaxCommand) + " octets ending in \\n\n";
    } else {
        line.resize(end);
        std::lock_guard lock(status_mutex_);
        if (line == "status" && status_source_) {
            try {
                out = "ok\n" + status_source_();
            } catch (const std::exception& e) {
                out = std::string("error: ") + e.what() + "\n";
            }
        } else {
            out = reply(line, *view_.load());
        }
    }
    if (!write_all(connection, out)) {
        spdlog::warn("control socket: the client left before the reply was sent");
        return;
    }
    // Closing with unread input would reset the connection, and the client could lose the
    // reply: read what is left of an overlong command (bounded by the timeout and 64 KiB).
    shutdown(connection, SHUT_WR);
    for (size_t drained = 0; drained < 65536;) {
        const ssize_t n = recv(connection, buf, sizeof buf, 0);
        if (n <= 0 && !(n < 0 && errno == EINTR)) break;
        if (n > 0) drained += static_cast<size_t>(n);
    }
}

std::string ControlSocket::reply(std::string_view command, const ZoneView& view) {
    std::istringstream in{std::string(command)};
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    try {
        if (words.empty()) throw Error(std::string("empty command (commands: ") + kCommands + ")");
        if (words[0] == "zone-export") {
            if (words.size() > 2) throw Error("usage: zone-export [ZONE]");
            return "ok\n" + (words.size() == 1 ? export_zones(view) : export_zone(find_zone_by_apex(view, words[1])));
        }
        throw Error("unknown command '" + words[0] + "' (commands: " + kCommands + ")");
    } catch (const std::exception& e) {
        return std::string("error: ") + e.what() + "\n";
    }
}

std::string control_request(const std::string& path, const std::string& command) {
    const sockaddr_un addr = unix_address(path);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("socket", errno);
    std::string reply;
    try {
        if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            const int err = errno;
            throw Error("cannot reach xgslbd at " + path + ": " + std::strerror(err) +
                        (err == ENOENT || err == ECONNREFUSED ? " (is xgslbd running for this instance?)" : ""));
        }
        set_timeouts(fd, 10);
        if (!write_all(fd, command + "\n")) throw_errno("sending to " + path, errno);
        char buf[65536];
        for (;;) {
            const ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw_errno("reading the reply from " + path, errno);
            if (n == 0) break;
            reply.append(buf, static_cast<size_t>(n));
        }
    } catch (...) {
        close(fd);
        throw;
    }
    close(fd);
    const size_t end = reply.find('\n');
    const std::string status = reply.substr(0, end);
    if (status == "ok") return reply.substr(end + 1);
    if (status.rfind("error: ", 0) == 0) throw Error(status.substr(7));
    throw Error("unexpected reply from " + path + ": '" + status + "'");
}

}  // namespace xgslb
