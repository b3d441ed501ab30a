// The Ingress of a Gslb with an embedded spec.ingress, as k8gb keeps it: created when missing,
// left alone when it matches, rewritten (spec, annotations) over what was found when it drifted.
#include "userspace/cluster/gslb_ingress.h"

#include <gtest/gtest.h>

#include "tests/unit/cluster_test_util.h"
#include "userspace/cluster/controller.h"
#include "userspace/cluster/k8s_object.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

using test::sample_cluster;

nlohmann::json sample_gslb() {
    ClusterState s = sample_cluster();
    nlohmann::json gslb = *s.find(kKindGslb, "test-gslb", "test-gslb");
    gslb["metadata"]["uid"] = "0b6c3c1e-1111-2222-3333-444455556666";
    gslb["metadata"]["annotations"] = {{"team", "web"},
                                       {"kubectl.kubernetes.io/last-applied-configuration", "{}"}};
    return gslb;
}

TEST(GslbIngress, MissingIngressIsCreatedOwnedByTheGslb) {
    const nlohmann::json gslb = sample_gslb();
    const auto w = gslb_ingress_write(gslb, nullptr);
    ASSERT_TRUE(w);
    EXPECT_TRUE(w->create);
    const auto& o = w->object;
    EXPECT_EQ(o["apiVersion"], "networking.k8s.io/v1");
    EXPECT_EQ(o["kind"], "Ingress");
    EXPECT_EQ(o["metadata"]["name"], "test-gslb");
    EXPECT_EQ(o["metadata"]["namespace"], "test-gslb");
    EXPECT_EQ(o["spec"], gslb["spec"]["ingress"]);  // verbatim, as the sample's comment says
    EXPECT_EQ(o["metadata"]["annotations"]["k8gb.io/strategy"], "roundRobin");
    EXPECT_EQ(o["metadata"]["annotations"]["team"], "web");
    EXPECT_FALSE(o["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));
    ASSERT_EQ(o["metadata"]["ownerReferences"].size(), 1u);
    const auto& owner = o["metadata"]["ownerReferences"][0];
    EXPECT_EQ(owner["kind"], "Gslb");
    EXPECT_EQ(owner["apiVersion"], "k8gb.absa.oss/v1beta1");
    EXPECT_EQ(owner["name"], "test-gslb");
    EXPECT_EQ(owner["uid"], gslb["metadata"]["uid"]);
    EXPECT_EQ(owner["controller"], true);
    EXPECT_FALSE(o.contains("status"));
}

TEST(GslbIngress, FailoverAddsThePrimaryGeoTag) {
    ClusterState s = sample_cluster();
    const nlohmann::json gslb = *s.find(kKindGslb, "test-gslb", "test-gslb-failover");
    const auto w = gslb_ingress_write(gslb, nullptr);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->object["metadata"]["annotations"]["k8gb.io/strategy"], "failover");
    EXPECT_EQ(w->object["metadata"]["annotations"]["k8gb.io/primary-geotag"], gslb["spec"]["strategy"]["primaryGeoTag"]);
}

TEST(GslbIngress, MatchingIngressIsLeftAlone) {
    const nlohmann::json gslb = sample_gslb();
    nlohmann::json current = gslb_ingress_write(gslb, nullptr)->object;
    current["metadata"]["resourceVersion"] = "41";
    current["metadata"]["annotations"]["added-by-someone"] = "x";  // extra annotations are fine
    current["status"]["loadBalancer"]["ingress"] = {{{"ip", "10.0.0.1"}}};
    EXPECT_FALSE(gslb_ingress_write(gslb, &current));
}

TEST(GslbIngress, DriftedIngressIsRewrittenOverWhatWasFound) {
    const nlohmann::json gslb = sample_gslb();
    nlohmann::json current = gslb_ingress_write(gslb, nullptr)->object;
    current["metadata"]["resourceVersion"] = "41";
    current["metadata"]["labels"] = {{"app", "x"}};
    current["metadata"]["annotations"]["k8gb.io/strategy"] = "failover";  // edited by hand
    current["spec"]["rules"].erase(0);
    current["status"]["loadBalancer"]["ingress"] = {{{"ip", "10.0.0.1"}}};
    const auto w = gslb_ingress_write(gslb, &current);
    ASSERT_TRUE(w);
    EXPECT_FALSE(w->create);
    EXPECT_EQ(w->object["metadata"]["resourceVersion"], "41");  // the optimistic-concurrency guard
    EXPECT_EQ(w->object["metadata"]["labels"]["app"], "x");
    EXPECT_EQ(w->object["metadata"]["annotations"]["k8gb.io/strategy"], "roundRobin");
    EXPECT_EQ(w->object["spec"], gslb["spec"]["ingress"]);
    EXPECT_FALSE(w->object.contains("status"));
}

TEST(GslbIngress, IngressControlledBySomethingElseIsNotTaken) {
    const nlohmann::json gslb = sample_gslb();
    nlohmann::json current = gslb_ingress_write(gslb, nullptr)->object;
    current["metadata"]["ownerReferences"][0]["uid"] = "another-gslb-of-the-same-name";
    current["spec"] = nlohmann::json::object();
    EXPECT_THROW(gslb_ingress_write(gslb, &current), Error);
    current["metadata"]["ownerReferences"] = {{{"kind", "HelmRelease"}, {"name", "web"}, {"controller", true}}};
    EXPECT_THROW(gslb_ingress_write(gslb, &current), Error);
}

TEST(GslbIngress, ResourceRefGslbsHaveNone) {
    ClusterState s = sample_cluster();
    nlohmann::json gslb = sample_gslb();
    gslb["spec"].erase("ingress");
    gslb["spec"]["resourceRef"] = {{"name", "roundrobin-ingress"}};
    EXPECT_FALSE(gslb_ingress_write(gslb, nullptr));
}

TEST(GslbIngress, ControllerAsksOnlyWhenTheSourceWritesIngresses) {
    ClusterState s = sample_cluster();
    test::TableResolver resolver;
    ControllerSettings settings{"eu", HealthPolicy::Any};
    EXPECT_TRUE(reconcile(s, settings, resolver).ingress_writes.empty());
    settings.write_gslb_ingresses = true;
    const auto result = reconcile(s, settings, resolver);
    // Both samples embed spec.ingress; which of their Ingresses exist in cluster.yaml decides
    // between create and update, and a matching one asks for nothing.
    size_t for_samples = 0;
    for (const auto& w : result.ingress_writes) {
        const std::string key = object_key(w.object);
        EXPECT_TRUE(key == "test-gslb/test-gslb" || key == "test-gslb/test-gslb-failover") << key;
        EXPECT_EQ(w.create, s.find(kKindIngress, "test-gslb", object_name(w.object)) == nullptr) << key;
        ++for_samples;
    }
    EXPECT_GE(for_samples, 1u);
    // Once the Ingresses are as asked, nothing more is written.
    for (const auto& w : result.ingress_writes) s.put(kKindIngress, object_key(w.object), w.object);
    EXPECT_TRUE(reconcile(s, settings, resolver).ingress_writes.empty());
}

}  // namespace
}  // namespace xgslb
