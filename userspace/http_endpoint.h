// A deliberately small HTTP/1.1 server for the operations endpoint (/metrics, /healthz,
// /readyz): one thread, one connection at a time, GET (and HEAD) only, one request per
// connection (answered with "Connection: close"). Requests are bounded (8 KiB of head, no
// body) and so is the time a client may take (2 s to send its request, 5 s to take the reply),
// so a stuck or hostile scraper delays the next scrape but never grows the daemon. A full
// HTTP library would add a dependency for what Prometheus, curl and kubelet probes need of it.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <memory>

#include "userspace/accept_loop.h"
#include "userspace/config.h"

namespace xgslb {

struct HttpResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

class HttpEndpoint {
public:
    // The handler gets the path without the query string; it runs on the endpoint's thread.
    using Handler = std::function<HttpResponse(std::string_view path)>;

    // Binds and listens on `address` (port 0: a free one, see port()), starts the thread.
    // Throws xgslb::Error; nothing is left open when it does.
    HttpEndpoint(const SocketAddress& address, Handler handler);
    ~HttpEndpoint() = default;  // the loop stops first: no request is served after
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    uint16_t port() const { return port_; }

    // The response for one raw request head (exposed for tests): parses, checks the method, calls
    // the handler. Returns the whole response, status line to body.
    static std::string respond(std::string_view request, const Handler& handler);

private:
    void serve_one(int connection);

    Handler handler_;
    uint16_t port_ = 0;
    std::unique_ptr<AcceptLoop> loop_;
};

}  // namespace xgslb
