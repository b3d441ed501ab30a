// kubeconfig and in-cluster variants: what load_* makes of each, and the errors a user sees.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "userspace/cluster/kube_connection.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

class KubeConnectionTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/xgslb-kubeconfig-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& text) {
        const auto path = dir_ + "/" + name;
        std::ofstream(path) << text;
        return path;
    }
    std::string dir_;
};

// Two contexts: only the current one counts.
constexpr const char* kTwoContexts = R"(apiVersion: v1
kind: Config
current-context: prod
contexts:
  - name: dev
    context: {cluster: dev-cluster, user: dev-user}
  - name: prod
    context: {cluster: prod-cluster, user: prod-user}
clusters:
  - name: dev-cluster
    cluster: {server: "https://dev.example:6443", certificate-authority-data: ZGV2LWNh}
  - name: prod-cluster
    cluster: {server: "https://prod.example:6443/", certificate-authority-data: cHJvZC1jYQ==}
users:
  - name: dev-user
    user: {token: dev-token}
  - name: prod-user
    user: {token: prod-token}
)";

TEST_F(KubeConnectionTest, CurrentContextWithInlineDataAndToken) {
    const auto c = load_kubeconfig(write("config", kTwoContexts));
    EXPECT_EQ(c.server, "https://prod.example:6443");  // trailing slash dropped
    EXPECT_EQ(c.ca_pem, "prod-ca");                     // base64-decoded
    EXPECT_EQ(c.token, "prod-token");
    EXPECT_EQ(c.bearer(), "Bearer prod-token");
    EXPECT_TRUE(c.client_cert_pem.empty());
    EXPECT_NE(c.origin.find("context prod"), std::string::npos);
}

TEST_F(KubeConnectionTest, FilesRelativeToTheKubeconfigAndClientCertificate) {
    write("ca.pem", "CA-PEM");
    write("client.crt", "CERT-PEM");
    write("client.key", "KEY-PEM");
    const auto c = load_kubeconfig(write("config", R"(current-context: k3d
contexts: [{name: k3d, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.pem}}]
users: [{name: u, user: {client-certificate: client.crt, client-key: client.key}}]
)"));
    EXPECT_EQ(c.ca_pem, "CA-PEM");
    EXPECT_EQ(c.client_cert_pem, "CERT-PEM");
    EXPECT_EQ(c.client_key_pem, "KEY-PEM");
    EXPECT_EQ(c.bearer(), "");
}

TEST_F(KubeConnectionTest, ClientCertificateDataWinsOverFile) {
    const auto c = load_kubeconfig(write("config", R"(current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h:1"}}]
users: [{name: u, user: {client-certificate-data: Q0VSVA==, client-certificate: missing.crt, client-key-data: S0VZ}}]
)"));
    EXPECT_EQ(c.client_cert_pem, "CERT");
    EXPECT_EQ(c.client_key_pem, "KEY");
    EXPECT_TRUE(c.ca_pem.empty());  // the system's CAs, still verified
}

TEST_F(KubeConnectionTest, TokenFileIsReadAtEveryRequest) {
    const auto token = write("token", "first\n");
    const auto c = load_kubeconfig(write("config", R"(current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h:1"}}]
users: [{name: u, user: {tokenFile: token}}]
)"));
    EXPECT_EQ(c.token_file, token);
    EXPECT_EQ(c.bearer(), "Bearer first");
    write("token", "rotated");
    EXPECT_EQ(c.bearer(), "Bearer rotated");
}

TEST_F(KubeConnectionTest, ErrorsNameTheProblem) {
    auto message = [&](const std::string& text) {
        try {
            load_kubeconfig(write("config", text));
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message("clusters: []\n").find("no current-context"), std::string::npos);
    EXPECT_NE(message("current-context: gone\ncontexts: []\n").find("no context named \"gone\""), std::string::npos);
    const std::string base = "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                             "users: [{name: u, user: {token: t}}]\n";
    EXPECT_NE(message(base + "clusters: [{name: c, cluster: {server: \"http://h:1\"}}]\n").find("not https"),
              std::string::npos);
    EXPECT_NE(message(base + "clusters: [{name: c, cluster: {server: \"https://h:1\", insecure-skip-tls-verify: true}}]\n")
                  .find("insecure-skip-tls-verify"),
              std::string::npos);
    EXPECT_NE(message(base + "clusters: [{name: c, cluster: {server: \"https://h:1\", certificate-authority: nope.pem}}]\n")
                  .find("nope.pem"),
              std::string::npos);
    EXPECT_NE(message(std::string("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n") +
                      "clusters: [{name: c, cluster: {server: \"https://h:1\"}}]\n" +
                      "users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]\n")
                  .find("without a key"),
              std::string::npos);
    EXPECT_THROW(load_kubeconfig(dir_ + "/absent"), Error);
}

TEST_F(KubeConnectionTest, InClusterFromServiceAccountFilesAndEnvironment) {
    write("ca.crt", "SA-CA");
    write("token", "sa-token\n");
    auto c = load_in_cluster_config(dir_, {{"KUBERNETES_SERVICE_HOST", "10.43.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
    EXPECT_EQ(c.server, "https://10.43.0.1:443");
    EXPECT_EQ(c.ca_pem, "SA-CA");
    EXPECT_EQ(c.bearer(), "Bearer sa-token");
    c = load_in_cluster_config(dir_, {{"KUBERNETES_SERVICE_HOST", "fd00:10:43::1"}, {"KUBERNETES_SERVICE_PORT", "443"}});
    EXPECT_EQ(c.server, "https://[fd00:10:43::1]:443");
    EXPECT_THROW(load_in_cluster_config(dir_, {}), Error);
    std::filesystem::remove(dir_ + "/token");
    EXPECT_THROW(load_in_cluster_config(dir_, {{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}}), Error);
}

}  // namespace
}  // namespace xgslb
