// Runs tests/k8s_api_double/api_double.py for a test: generates a CA and a server certificate
// for 127.0.0.1 (and an unrelated CA, for the wrong-CA test), starts the double on an ephemeral
// loopback port, and speaks its control endpoint (scripted changes, faults, the object store).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "userspace/cluster/kube_connection.h"
#include "userspace/cluster/kube_http.h"

namespace xgslb::test {

struct ApiDoubleOptions {
    std::vector<std::string> objects;  // YAML files or directories loaded at start
    unsigned history = 1000;
    double bookmark_interval = 1.0;
};

class ApiDoubleProcess {
public:
    explicit ApiDoubleProcess(ApiDoubleOptions options = {});
    ~ApiDoubleProcess();
    ApiDoubleProcess(const ApiDoubleProcess&) = delete;
    ApiDoubleProcess& operator=(const ApiDoubleProcess&) = delete;

    // What a client needs: server URL, the test CA, the token.
    KubeConnection connection() const;
    const std::string& token() const { return token_; }
    static const std::string& wrong_ca_pem();   // a CA that did not sign the server's certificate
    static const std::string& cert_dir();       // ca.crt, server.crt, server.key, other-ca.crt

    nlohmann::json control(const std::string& what, const nlohmann::json& body = nullptr) const;
    nlohmann::json apply(const nlohmann::json& object) const { return control("apply", object); }
    void remove(const std::string& kind, const std::string& ns, const std::string& name) const;
    void fault(const nlohmann::json& fault) const { control("fault", fault); }
    // The double's objects as ClusterState::objects holds them: kind -> "ns/name" -> object.
    std::map<std::string, std::map<std::string, nlohmann::json>> objects() const;
    std::vector<nlohmann::json> requests() const;  // {verb, group, resource} of every API request

    void kill_now();  // the API server goes away

private:
    pid_t pid_ = -1;
    std::string port_file_;
    std::string token_ = "xgslb-test-token";
    int port_ = 0;
};

// Polls pred every 20 ms until it holds or timeout; returns whether it held.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

}  // namespace xgslb::test
