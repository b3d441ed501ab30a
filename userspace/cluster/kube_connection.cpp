#include "userspace/cluster/kube_connection.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <ldns/ldns.h>
#include <yaml-cpp/yaml.h>

#include "userspace/error.h"

namespace xgslb {
namespace {

std::string read_file(const std::string& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(what + ": cannot read " + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// kubeconfig's *-data fields hold base64 PEM; ldns (already linked) decodes base64.
std::string base64_decode(const std::string& in, const std::string& what) {
    ldns_rdf* rdf = nullptr;
    if (ldns_str2rdf_b64(&rdf, in.c_str()) != LDNS_STATUS_OK || rdf == nullptr)
        throw Error(what + ": not base64");
    std::string out(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
    ldns_rdf_deep_free(rdf);
    return out;
}

// Finds the entry named `name` in a kubeconfig list (clusters, users, contexts).
YAML::Node named(const YAML::Node& list, const std::string& name, const std::string& what) {
    if (list && list.IsSequence())
        for (const auto& item : list)
            if (item["name"] && item["name"].as<std::string>() == name) return item[what];
    throw Error("no " + what + " named \"" + name + "\"");
}

// "<field>-data" (base64 PEM) wins over "<field>" (a file), as in client-go.
std::string pem_field(const YAML::Node& node, const std::string& field, const std::filesystem::path& dir) {
    if (node[field + "-data"]) return base64_decode(node[field + "-data"].as<std::string>(), field + "-data");
    if (node[field]) {
        std::filesystem::path p = node[field].as<std::string>();
        return read_file((p.is_absolute() ? p : dir / p).string(), field);
    }
    return "";
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

std::string KubeConnection::bearer() const {
    std::string t = token_file.empty() ? token : trim(read_file(token_file, "bearer token file"));
    return t.empty() ? "" : "Bearer " + t;
}

KubeConnection load_kubeconfig(const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
        throw Error("kubeconfig " + path + ": " + e.what());
    }
    const auto dir = std::filesystem::path(path).parent_path();
    try {
        if (!root["current-context"] || root["current-context"].as<std::string>().empty())
            throw Error("no current-context");
        const auto context_name = root["current-context"].as<std::string>();
        const auto context = named(root["contexts"], context_name, "context");
        if (!context["cluster"]) throw Error("context \"" + context_name + "\" names no cluster");
        const auto cluster = named(root["clusters"], context["cluster"].as<std::string>(), "cluster");
        KubeConnection c;
        c.origin = "kubeconfig " + path + " (context " + context_name + ")";
        if (!cluster["server"]) throw Error("cluster has no server");
        c.server = cluster["server"].as<std::string>();
        while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
        if (c.server.rfind("https://", 0) != 0) throw Error("server " + c.server + " is not https://");
        if (cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>())
            throw Error("insecure-skip-tls-verify is not supported: give certificate-authority");
        c.ca_pem = pem_field(cluster, "certificate-authority", dir);
        if (context["user"]) {
            const auto user = named(root["users"], context["user"].as<std::string>(), "user");
            if (user) {
                c.client_cert_pem = pem_field(user, "client-certificate", dir);
                c.client_key_pem = pem_field(user, "client-key", dir);
                if (c.client_cert_pem.empty() != c.client_key_pem.empty())
                    throw Error("user has a client certificate without a key, or a key without a certificate");
                if (user["token"]) c.token = user["token"].as<std::string>();
                if (user["tokenFile"]) {
                    std::filesystem::path p = user["tokenFile"].as<std::string>();
                    c.token_file = (p.is_absolute() ? p : dir / p).string();
                }
                if (user["exec"] || user["auth-provider"])
                    throw Error("user uses exec/auth-provider credentials, which xgslb does not run");
            }
        }
        return c;
    } catch (const YAML::Exception& e) {
        throw Error("kubeconfig " + path + ": " + e.what());
    } catch (const Error& e) {
        throw Error("kubeconfig " + path + ": " + e.what());
    }
}

KubeConnection load_in_cluster_config(const std::string& root, const std::map<std::string, std::string>& env) {
    auto get = [&](const char* name) {
        auto it = env.find(name);
        return it == env.end() ? std::string() : it->second;
    };
    const auto host = get("KUBERNETES_SERVICE_HOST"), port = get("KUBERNETES_SERVICE_PORT");
    if (host.empty() || port.empty())
        throw Error("in-cluster config: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT not set (not in a pod? give source.kubernetes.kubeconfig)");
    KubeConnection c;
    c.origin = "in-cluster";
    // An IPv6 service address needs brackets in a URL.
    c.server = "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
    c.ca_pem = read_file(root + "/ca.crt", "in-cluster config");
    c.token_file = root + "/token";
    read_file(c.token_file, "in-cluster config");  // fail now, not at the first request
    return c;
}

KubeConnection load_in_cluster_config(const std::string& root) {
    std::map<std::string, std::string> env;
    for (const char* name : {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"})
        if (const char* v = std::getenv(name)) env[name] = v;
    return load_in_cluster_config(root, env);
}

}  // namespace xgslb
