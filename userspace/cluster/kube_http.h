// HTTPS to the API server through libcurl: one request, or one watch stream read line by line.
// TLS is always verified (peer and host name). One KubeHttp may be used by several threads:
// every call makes its own curl handle.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "userspace/cluster/kube_connection.h"

namespace xgslb {

struct KubeTimeouts {
    std::chrono::milliseconds connect{5000};
    std::chrono::milliseconds request{30000};  // a whole non-watch request
    // A watch stream that delivers no byte for this long is dead (a stalled server, a vanished
    // peer behind NAT). The API server sends bookmarks about once a minute, so keep it above.
    std::chrono::milliseconds watch_idle{90000};
};

struct KubeResponse {
    long status = 0;
    std::string body;
};

class KubeHttp {
public:
    KubeHttp(KubeConnection connection, KubeTimeouts timeouts);

    // method + path ("/apis/...?..."), JSON body for PUT/POST. Throws xgslb::Error when no HTTP
    // response arrived (connect, TLS, timeout, `stop` set); any HTTP status is returned.
    KubeResponse request(const std::string& method, const std::string& path, const std::string& body = "",
                         const std::atomic<bool>* stop = nullptr) const;

    // GET of a watch: calls on_line for every complete line of a 200 response until the server
    // ends the stream, on_line returns false, or `stop` becomes true. A non-200 response is
    // returned with its body and no on_line call. Throws xgslb::Error on a transport failure,
    // including watch_idle without a byte.
    // on_open is called when a 200 response's headers have arrived.
    KubeResponse stream(const std::string& path, const std::function<void()>& on_open,
                        const std::function<bool(std::string_view)>& on_line, const std::atomic<bool>& stop) const;

    const KubeConnection& connection() const { return connection_; }

private:
    KubeConnection connection_;
    KubeTimeouts timeouts_;
};

}  // namespace xgslb
