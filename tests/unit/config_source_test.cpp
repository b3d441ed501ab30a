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

TEST(ConfigXdp, MapCapacities) {
    const Config c = parse_config(std::string(kBase) + "xdp: {maxNames: 262144, maxRrsets: 524288}\n", "c.yaml");
    EXPECT_EQ(c.xdp.max_names, 262144u);
    EXPECT_EQ(c.xdp.max_rrsets, 524288u);
    EXPECT_THROW(parse_config(std::string(kBase) + "xdp: {maxNames: 10}\n", "c.yaml"), Error);
}

}  // namespace
}  // namespace xgslb
