#include "userspace/cluster/kube_http.h"

#include <memory>
#include <mutex>

#include <curl/curl.h>

#include "userspace/error.h"

namespace xgslb {
namespace {

struct CurlHandleDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct CurlListDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// What a transfer's callbacks share.
struct Transfer {
    CURL* curl = nullptr;
    std::string body;                                        // non-stream, or a non-200 stream
    std::string partial;                                     // a stream's incomplete last line
    const std::function<bool(std::string_view)>* on_line = nullptr;
    const std::function<void()>* on_open = nullptr;
    const std::atomic<bool>* stop = nullptr;
    bool stopped_by_caller = false;
};

size_t on_data(char* data, size_t, size_t size, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    long status = 0;
    curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
    if (!t.on_line || status != 200) {
        t.body.append(data, size);
        return size;
    }
    t.partial.append(data, size);
    size_t start = 0;
    for (size_t nl; (nl = t.partial.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view line(t.partial.data() + start, nl - start);
        if (!line.empty() && !(*t.on_line)(line)) {
            t.stopped_by_caller = true;
            return 0;  // aborts the transfer
        }
    }
    t.partial.erase(0, start);
    return size;
}

// The blank line ending a 200 response's headers: the stream is open.
size_t on_header(char* data, size_t, size_t size, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    long status = 0;
    curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
    if (t.on_open && status == 200 && std::string_view(data, size) == "\r\n") (*t.on_open)();
    return size;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto& t = *static_cast<Transfer*>(user);
    if (t.stop && t.stop->load()) {
        t.stopped_by_caller = true;
        return 1;
    }
    return 0;
}

void set_blob(CURL* c, CURLoption option, const std::string& pem) {
    curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, option, &blob);
}

}  // namespace

KubeHttp::KubeHttp(KubeConnection connection, KubeTimeouts timeouts)
    : connection_(std::move(connection)), timeouts_(timeouts) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

static KubeResponse perform(const KubeConnection& conn, const KubeTimeouts& timeouts, const std::string& method,
                            const std::string& path, const std::string& body, Transfer& t, bool watch) {
    std::unique_ptr<CURL, CurlHandleDeleter> curl(curl_easy_init());
    if (!curl) throw Error("curl_easy_init failed");
    CURL* c = curl.get();
    t.curl = c;
    const std::string url = conn.server + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!conn.ca_pem.empty()) set_blob(c, CURLOPT_CAINFO_BLOB, conn.ca_pem);
    if (!conn.client_cert_pem.empty()) {
        set_blob(c, CURLOPT_SSLCERT_BLOB, conn.client_cert_pem);
        curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
        set_blob(c, CURLOPT_SSLKEY_BLOB, conn.client_key_pem);
        curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }
    std::unique_ptr<curl_slist, CurlListDeleter> headers;
    auto add_header = [&](const std::string& h) { headers.reset(curl_slist_append(headers.release(), h.c_str())); };
    add_header("Accept: application/json");
    if (auto bearer = conn.bearer(); !bearer.empty()) add_header("Authorization: " + bearer);
    if (!body.empty()) add_header("Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (!body.empty()) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts.connect.count()));
    if (watch) {
        // No overall limit (the server ends the stream at timeoutSeconds); a silent stream is dead.
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                         std::max(1L, static_cast<long>((timeouts.watch_idle.count() + 999) / 1000)));
    } else {
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts.request.count()));
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

    const CURLcode rc = curl_easy_perform(c);
    KubeResponse r;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = std::move(t.body);
    if (rc != CURLE_OK && !(watch && t.stopped_by_caller))
        throw Error(method + " " + url + ": " + (error[0] ? error : curl_easy_strerror(rc)));
    return r;
}

KubeResponse KubeHttp::request(const std::string& method, const std::string& path, const std::string& body,
                               const std::atomic<bool>* stop) const {
    Transfer t;
    t.stop = stop;
    return perform(connection_, timeouts_, method, path, body, t, false);
}

KubeResponse KubeHttp::stream(const std::string& path, const std::function<void()>& on_open,
                              const std::function<bool(std::string_view)>& on_line, const std::atomic<bool>& stop) const {
    Transfer t;
    t.on_open = &on_open;
    t.on_line = &on_line;
    t.stop = &stop;
    return perform(connection_, timeouts_, "GET", path, "", t, true);
}

}  // namespace xgslb
