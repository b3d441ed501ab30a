// xgslbd's control channel: one Unix stream socket per instance, served by one thread, so
// xgslbctl can ask the running daemon what only the daemon knows (the view it serves now).
//
// Protocol, one exchange per connection: the client writes one command line (at most 1 KiB,
// ending in "\n"); the daemon replies with a status line, "ok" or "error: MESSAGE", then for "ok"
// the payload, and closes. Commands:
//   zone-export [ZONE]   the current view as a master file (userspace/zone_export.h): every
//                        zone, or only the one whose apex is ZONE
//   status               one JSON object: program, interfaces, map fill, last publish
//                        (userspace/daemon_metrics.h; the daemon sets the source)
//
// The socket is /run/xgslb/<instance>.sock, mode 0600 in a 0700 directory (root only: the
// daemon's data is not secret, but nothing but root should hold the daemon's thread busy). It
// is removed when the ControlSocket goes; one left by a daemon that was killed is replaced by the
// next, which already holds the instance lock (daemon.cpp), so it never steals a live one's.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include "userspace/accept_loop.h"
#include "userspace/view_holder.h"
#include "userspace/zone_view.h"

namespace xgslb {

std::string control_socket_path(const std::string& instance);

class ControlSocket {
public:
    // Binds `path` (its directory is created 0700 when missing) and starts serving. Throws
    // xgslb::Error; nothing is left behind when it does.
    ControlSocket(std::string path, std::shared_ptr<const ZoneView> view);
    ~ControlSocket();  // stops the thread, closes and removes the socket
    ControlSocket(const ControlSocket&) = delete;
    ControlSocket& operator=(const ControlSocket&) = delete;

    // Replies from now on describe `view` (the daemon calls it with every publish).
    void publish(std::shared_ptr<const ZoneView> view) { view_.store(std::move(view)); }

    // What "status" answers; called on the control thread. Unset: "status" is an error.
    void set_status_source(std::function<std::string()> source) {
        std::lock_guard lock(status_mutex_);
        status_source_ = std::move(source);
    }

    // One command line (without its "\n") to the whole reply, status line included.
    static std::string reply(std::string_view command, const ZoneView& view);

private:
    void serve_one(int connection);

    std::string path_;
    ViewHolder view_;
    std::mutex status_mutex_;
    std::function<std::string()> status_source_;
    std::unique_ptr<AcceptLoop> loop_;
};

// xgslbctl's side: sends `command`, returns the payload of an "ok" reply. Throws xgslb::Error
// with the daemon's message for "error: ...", or saying the daemon is not reachable.
std::string control_request(const std::string& path, const std::string& command);

}  // namespace xgslb
