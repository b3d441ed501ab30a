#include <gtest/gtest.h>

#include "userspace/config.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

const char* kBase = "instance: t\nzones: [{zone: cloud.example.com}]\ndns: {listen: [\"10.0.0.1\"]}\n";

Config parse(const std::string& source_section, const std::string& file = "/etc/xgslb/c.yaml") {
    return parse_config(std::string(kBase) + source_section, file);
}

void expect_error(const std::string& section, const std::string& expected) {
    try {
        parse(section);
        ADD_FAILURE() << "no error for: " << section;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
}

TEST(ConfigSource, NoneByDefault) {
    const Config c = parse("");
    EXPECT_EQ(c.cluster_source.kind, SourceKind::None);
    EXPECT_FALSE(c.cluster_source.health_all);
    EXPECT_EQ(c.cluster_source.resync_seconds, 300u);
}

TEST(ConfigSource, ManifestsRelativeToTheConfigFile) {
    Config c = parse("source: {manifests: manifests, healthPolicy: All, resyncSeconds: 30}\n");
    EXPECT_EQ(c.cluster_source.kind, SourceKind::Manifests);
    EXPECT_EQ(c.cluster_source.manifests, "/etc/xgslb/manifests");
    EXPECT_TRUE(c.cluster_source.health_all);
    EXPECT_EQ(c.cluster_source.resync_seconds, 30u);
    EXPECT_EQ(parse("source: {manifests: /srv/m}\n").cluster_source.manifests, "/srv/m");
}

TEST(ConfigSource, KubernetesWithAndWithoutKubeconfig) {
    Config c = parse("source:\n  kubernetes: {kubeconfig: kube/config}\n");
    EXPECT_EQ(c.cluster_source.kind, SourceKind::Kubernetes);
    EXPECT_EQ(c.cluster_source.kubernetes.kubeconfig, "/etc/xgslb/kube/config");
    EXPECT_EQ(parse("source:\n  kubernetes:\n").cluster_source.kubernetes.kubeconfig, "");  // in-cluster
    EXPECT_EQ(parse("source: {kubernetes: {}}\n").cluster_source.kind, SourceKind::Kubernetes);
}

TEST(ConfigSource, StrictErrors) {
    expect_error("source: {}\n", "c.yaml:4: source: exactly one of 'manifests' and 'kubernetes'");
    expect_error("source: {manifests: a, kubernetes: {}}\n", "exactly one of");
    expect_error("source: {manifests: a, healthPolicy: any}\n", "source.healthPolicy");
    expect_error("source: {manifests: a, resyncSeconds: 0}\n", "source.resyncSeconds");
    expect_error("source: {manifest: a}\n", "manifest");
    expect_error("source: {kubernetes: {kubeconfg: x}}\n", "kubeconfg");
    expect_error("source: manifests\n", "expected a mapping");
}

TEST(ConfigSource, KubernetesDefaultsAreTheClientsOwn) {
    const KubernetesSourceConfig k = parse("source: {kubernetes: {}}\n").cluster_source.kubernetes;
    EXPECT_EQ(k, KubernetesSourceConfig{});
    EXPECT_TRUE(k.namespaces.empty());  // every namespace
}

TEST(ConfigSource, KubernetesClientSettings) {
    const KubernetesSourceConfig k = parse(R"(source:
  kubernetes:
    kubeconfig: /root/.kube/config
    namespaces: [apps, web-1]
    connectTimeoutSeconds: 3
    requestTimeoutSeconds: 12
    watchTimeoutSeconds: 600
    watchIdleTimeoutSeconds: 120
    listPageSize: 100
    backoff: {initialMs: 200, maxMs: 10000}
    leaderElection:
      enabled: false
      namespace: gslb-system
      name: xgslb.leader
      identity: node-7
      leaseDurationSeconds: 30
      renewDeadlineSeconds: 20
      retryPeriodSeconds: 4
)").cluster_source.kubernetes;
    EXPECT_EQ(k.kubeconfig, "/root/.kube/config");
    EXPECT_EQ(k.namespaces, (std::vector<std::string>{"apps", "web-1"}));
    EXPECT_EQ(k.connect_timeout, std::chrono::seconds(3));
    EXPECT_EQ(k.request_timeout, std::chrono::seconds(12));
    EXPECT_EQ(k.watch_timeout_seconds, 600u);
    EXPECT_EQ(k.watch_idle_timeout, std::chrono::seconds(120));
    EXPECT_EQ(k.list_page_size, 100u);
    EXPECT_EQ(k.backoff_initial, std::chrono::milliseconds(200));
    EXPECT_EQ(k.backoff_max, std::chrono::milliseconds(10000));
    EXPECT_FALSE(k.leader_election);
    EXPECT_EQ(k.lease_namespace, "gslb-system");
    EXPECT_EQ(k.lease_name, "xgslb.leader");
    EXPECT_EQ(k.identity, "node-7");
    EXPECT_EQ(k.lease_duration, std::chrono::seconds(30));
    EXPECT_EQ(k.lease_renew_deadline, std::chrono::seconds(20));
    EXPECT_EQ(k.lease_renew_period, std::chrono::seconds(4));
}

TEST(ConfigSource, KubernetesErrorsNameTheLineAndField) {
    expect_error("source: {kubernetes: {namespaces: [Apps]}}\n", "c.yaml:4: source.kubernetes.namespaces[0]: 'Apps' is not a namespace");
    expect_error("source: {kubernetes: {namespaces: [a, a]}}\n", "source.kubernetes.namespaces[1]: 'a' is listed twice");
    expect_error("source: {kubernetes: {namespaces: []}}\n", "source.kubernetes.namespaces: an empty list");
    expect_error("source: {kubernetes: {namespaces: apps}}\n", "source.kubernetes.namespaces: expected a list");
    expect_error("source:\n  kubernetes:\n    requestTimeoutSeconds: 0\n", "c.yaml:6: source.kubernetes.requestTimeoutSeconds: '0' is out of range");
    expect_error("source: {kubernetes: {requestTimeout: 5}}\n", "requestTimeout");
    expect_error("source: {kubernetes: {watchIdleTimeoutSeconds: 1}}\n", "watchIdleTimeoutSeconds");
    expect_error("source: {kubernetes: {backoff: {initialMs: 5000, maxMs: 1000}}}\n", "source.kubernetes.backoff.maxMs: maxMs must be at least initialMs");
    expect_error("source: {kubernetes: {backoff: {initial: 5}}}\n", "initial");
    expect_error("source: {kubernetes: {leaderElection: {renewDeadlineSeconds: 20}}}\n",
                 "source.kubernetes.leaderElection.renewDeadlineSeconds: renewDeadlineSeconds must be less than leaseDurationSeconds");
    expect_error("source: {kubernetes: {leaderElection: {retryPeriodSeconds: 12}}}\n",
                 "leaderElection.retryPeriodSeconds: retryPeriodSeconds must be less than renewDeadlineSeconds");
    expect_error("source: {kubernetes: {leaderElection: {name: Leader}}}\n", "leaderElection.name");
    expect_error("source: {kubernetes: {leaderElection: {enabled: maybe}}}\n", "leaderElection.enabled: expected true or false");
}

TEST(ConfigXdp, MapCapacities) {
    const Config c = parse_config(std::string(kBase) + "xdp: {maxNames: 262144, maxRrsets: 524288}\n", "c.yaml");
    EXPECT_EQ(c.xdp.max_names, 262144u);
    EXPECT_EQ(c.xdp.max_rrsets, 524288u);
    EXPECT_THROW(parse_config(std::string(kBase) + "xdp: {maxNames: 10}\n", "c.yaml"), Error);
}

}  // namespace
}  // namespace xgslb
