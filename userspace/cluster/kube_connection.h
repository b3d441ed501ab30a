// Where the API server is and how to prove who we are: from a kubeconfig file (its
// current-context) or from a pod's service account (in-cluster). TLS is always verified: there
// is deliberately no insecure-skip-tls-verify.
#pragma once

#include <map>
#include <string>

namespace xgslb {

struct KubeConnection {
    std::string server;           // "https://host:port", no trailing slash
    std::string ca_pem;           // trusted CA certificates; empty: the system's CA store
    std::string client_cert_pem;  // client certificate authentication (both or neither)
    std::string client_key_pem;
    std::string token;            // bearer token, or
    std::string token_file;       // a file re-read for every request (service-account tokens rotate)
    std::string origin;           // "kubeconfig FILE (context C)" or "in-cluster", for messages

    // The Authorization header value, "" when none (token_file read now).
    std::string bearer() const;
};

// The kubeconfig's current-context: cluster server and certificate-authority(-data), user
// client-certificate(-data) / client-key(-data), token or tokenFile. Relative file paths are
// relative to the kubeconfig's directory, as kubectl resolves them. Throws xgslb::Error.
KubeConnection load_kubeconfig(const std::string& path);

// A pod's view: ROOT/token and ROOT/ca.crt (ROOT is normally
// /var/run/secrets/kubernetes.io/serviceaccount) and KUBERNETES_SERVICE_HOST/_PORT from env.
inline constexpr const char* kServiceAccountRoot = "/var/run/secrets/kubernetes.io/serviceaccount";
KubeConnection load_in_cluster_config(const std::string& root, const std::map<std::string, std::string>& env);
// The same with the process environment.
KubeConnection load_in_cluster_config(const std::string& root = kServiceAccountRoot);

}  // namespace xgslb
