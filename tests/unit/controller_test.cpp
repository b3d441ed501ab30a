#include "userspace/cluster/controller.h"

#include <gtest/gtest.h>

#include "tests/unit/cluster_test_util.h"
#include "userspace/cluster/gslb_spec.h"
#include "userspace/dns_name.h"

namespace xgslb {
namespace {

using test::add_yaml;
using test::v4;
using test::v6_2001_db8;

const GslbHost* find_host(const ControllerResult& r, const std::string& name) {
    for (const auto& h : r.hosts)
        if (h.name == name) return &h;
    return nullptr;
}

const GslbStatusUpdate* find_status(const ControllerResult& r, const std::string& name) {
    for (const auto& s : r.statuses)
        if (s.name == name) return &s;
    return nullptr;
}

ControllerResult run(const ClusterState& s, HealthPolicy policy = HealthPolicy::Any) {
    test::TableResolver resolver;
    return reconcile(s, {"eu", policy}, resolver);
}

TEST(Controller, K8gbRoundRobinSampleHostsAreNotFoundUnhealthyHealthy) {
    const ControllerResult r = run(test::sample_cluster());
    EXPECT_TRUE(r.problems.empty()) << r.problems.front();
    ASSERT_EQ(r.hosts.size(), 4u);  // three of the roundRobin sample, one of the failover one

    const GslbHost* nf = find_host(r, "notfound.cloud.example.com");
    ASSERT_TRUE(nf);
    EXPECT_EQ(nf->health, HostHealth::NotFound);
    EXPECT_TRUE(nf->local.empty());

    const GslbHost* uh = find_host(r, "unhealthy.cloud.example.com");
    ASSERT_TRUE(uh);
    EXPECT_EQ(uh->health, HostHealth::Unhealthy);
    EXPECT_TRUE(uh->local.empty());

    const GslbHost* rr = find_host(r, "roundrobin.cloud.example.com");
    ASSERT_TRUE(rr);
    EXPECT_EQ(rr->health, HostHealth::Healthy);
    EXPECT_EQ(rr->strategy.type, StrategyType::RoundRobin);
    EXPECT_EQ(rr->ttl, 30u);
    EXPECT_EQ(rr->owner, "test-gslb/test-gslb");
    EXPECT_EQ(rr->local.a, (std::vector<Ipv4Address>{v4(172, 18, 0, 3), v4(172, 18, 0, 4)}));
    EXPECT_EQ(rr->local.aaaa, (std::vector<Ipv6Address>{v6_2001_db8(3)}));  // IPv6 kept, unlike k8gb

    const GslbStatusUpdate* st = find_status(r, "test-gslb");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->ns, "test-gslb");
    EXPECT_EQ(st->status["serviceHealth"], (nlohmann::json{{"notfound.cloud.example.com", "NotFound"},
                                                           {"unhealthy.cloud.example.com", "Unhealthy"},
                                                           {"roundrobin.cloud.example.com", "Healthy"}}));
    EXPECT_EQ(st->status["geoTag"], "eu");
    EXPECT_EQ(st->status["hosts"], "notfound.cloud.example.com, unhealthy.cloud.example.com, roundrobin.cloud.example.com");
    EXPECT_EQ(st->status["loadBalancer"]["exposedIps"], (nlohmann::json{"172.18.0.3", "172.18.0.4"}));
    EXPECT_EQ(st->status["servers"][1], (nlohmann::json{{"host", "unhealthy.cloud.example.com"},
                                                        {"services", {{{"name", "unhealthy-app"}, {"namespace", "test-gslb"}}}}}));
}

TEST(Controller, K8gbFailoverSample) {
    const ControllerResult r = run(test::sample_cluster());
    const GslbHost* h = find_host(r, "failover.cloud.example.com");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->health, HostHealth::Healthy);
    EXPECT_EQ(h->strategy.type, StrategyType::Failover);
    EXPECT_EQ(h->strategy.primary_geo_tag, "eu");
    EXPECT_EQ(h->ttl, 30u);  // no dnsTtlSeconds: k8gb's default
    EXPECT_EQ(h->local.a, (std::vector<Ipv4Address>{v4(172, 18, 0, 10)}));
    EXPECT_EQ(find_status(r, "test-gslb-failover")->status["serviceHealth"],
              (nlohmann::json{{"failover.cloud.example.com", "Healthy"}}));
}

TEST(Controller, EndpointsScaledToZeroMakeTheHostUnhealthyWithoutTargets) {
    ClusterState s = test::sample_cluster();
    add_yaml(s, R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: frontend-podinfo-abcde, namespace: test-gslb, labels: {kubernetes.io/service-name: frontend-podinfo}}
addressType: IPv4
endpoints: []
)");
    const ControllerResult r = run(s);
    EXPECT_EQ(find_host(r, "roundrobin.cloud.example.com")->health, HostHealth::Unhealthy);
    EXPECT_TRUE(find_host(r, "roundrobin.cloud.example.com")->local.empty());
    EXPECT_EQ(find_host(r, "failover.cloud.example.com")->health, HostHealth::Unhealthy);
}

TEST(Controller, EndpointReadyWhenConditionUnsetNotWhenFalse) {
    ClusterState s = test::sample_cluster();
    add_yaml(s, R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: frontend-podinfo-abcde, namespace: test-gslb, labels: {kubernetes.io/service-name: frontend-podinfo}}
endpoints:
- addresses: [10.42.0.11]
)");
    EXPECT_EQ(find_host(run(s), "roundrobin.cloud.example.com")->health, HostHealth::Healthy);
    add_yaml(s, R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: frontend-podinfo-abcde, namespace: test-gslb, labels: {kubernetes.io/service-name: frontend-podinfo}}
endpoints:
- addresses: [10.42.0.11]
  conditions: {ready: false, serving: true}
)");
    EXPECT_EQ(find_host(run(s), "roundrobin.cloud.example.com")->health, HostHealth::Unhealthy);
}

TEST(Controller, SlicesOfAnotherNamespaceOrServiceDoNotCount) {
    ClusterState s = test::sample_cluster();
    s.objects[kKindEndpointSlice].erase("test-gslb/frontend-podinfo-abcde");
    add_yaml(s, R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: elsewhere, namespace: other, labels: {kubernetes.io/service-name: frontend-podinfo}}
endpoints: [{addresses: [10.1.1.1]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: unlabelled, namespace: test-gslb}
endpoints: [{addresses: [10.1.1.2]}]
)");
    EXPECT_EQ(find_host(run(s), "roundrobin.cloud.example.com")->health, HostHealth::Unhealthy);
}

// A host whose paths go to a healthy and an unhealthy (or missing) service.
ClusterState two_service_host(const char* second_service) {
    ClusterState s = test::sample_cluster();
    add_yaml(s, std::string(R"(
apiVersion: k8gb.absa.oss/v1beta1
kind: Gslb
metadata: {name: mixed, namespace: test-gslb}
spec:
  ingress:
    rules:
    - host: mixed.cloud.example.com
      http:
        paths:
        - {path: /, pathType: Prefix, backend: {service: {name: frontend-podinfo, port: {name: http}}}}
        - {path: /b, pathType: Prefix, backend: {service: {name: )") + second_service + R"(, port: {name: http}}}}
  strategy: {type: roundRobin}
)");
    return s;
}

TEST(Controller, HealthPolicyAnyAndAll) {
    EXPECT_EQ(find_host(run(two_service_host("unhealthy-app"), HealthPolicy::Any), "mixed.cloud.example.com")->health,
              HostHealth::Healthy);
    EXPECT_EQ(find_host(run(two_service_host("unhealthy-app"), HealthPolicy::All), "mixed.cloud.example.com")->health,
              HostHealth::Unhealthy);
    EXPECT_EQ(find_host(run(two_service_host("missing-app"), HealthPolicy::All), "mixed.cloud.example.com")->health,
              HostHealth::NotFound);
    EXPECT_EQ(find_host(run(two_service_host("frontend-podinfo"), HealthPolicy::All), "mixed.cloud.example.com")->health,
              HostHealth::Healthy);
}

TEST(Controller, ResourceRefByMatchLabelsUsesTheIngressRulesAndStatus) {
    ClusterState s;
    test::add_file(s, "controller/k8gb.absa.oss_v1beta1_gslb_cr_roundrobin_ingress_ref.yaml");
    test::add_file(s, "controller/cluster.yaml");
    s.objects[kKindGslb].erase("test-gslb/test-gslb");  // cluster.yaml has none; be explicit
    s.edit(kKindIngress, "test-gslb/roundrobin-ingress")["status"] =
        nlohmann::json::parse(R"({"loadBalancer": {"ingress": [{"ip": "10.0.0.5"}, {"ip": "2001:db8::5"}]}})");
    const ControllerResult r = run(s);
    const GslbStatusUpdate* st = find_status(r, "roundrobin-ingress");
    ASSERT_TRUE(st);
    EXPECT_EQ(st->status["serviceHealth"], (nlohmann::json{{"notfound.cloud.example.com", "NotFound"},
                                                           {"unhealthy.cloud.example.com", "Unhealthy"},
                                                           {"roundrobin.cloud.example.com", "Healthy"}}));
    const GslbHost* rr = find_host(r, "roundrobin.cloud.example.com");
    EXPECT_EQ(rr->local.a, (std::vector<Ipv4Address>{v4(10, 0, 0, 5)}));
    EXPECT_EQ(rr->local.aaaa, (std::vector<Ipv6Address>{v6_2001_db8(5)}));

    // A label that no longer matches: the Gslb has no hosts left.
    s.edit(kKindIngress, "test-gslb/roundrobin-ingress")["metadata"]["labels"]["app"] = "something-else";
    const ControllerResult gone = run(s);
    EXPECT_EQ(find_host(gone, "roundrobin.cloud.example.com"), nullptr);
    EXPECT_EQ(find_status(gone, "roundrobin-ingress")->status["serviceHealth"], nlohmann::json::object());
}

TEST(Controller, ResourceRefByNameAndHostnameTargetsResolved) {
    ClusterState s = test::sample_cluster();
    add_yaml(s, R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: test-gslb}
spec:
  rules:
  - host: WEB.cloud.example.com.
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: frontend-podinfo, port: {number: 80}}}}]}
status:
  loadBalancer:
    ingress: [{hostname: lb.example.net}, {hostname: unresolvable.example.net}, {ip: 172.18.0.3}]
---
apiVersion: k8gb.absa.oss/v1beta1
kind: Gslb
metadata: {name: web, namespace: test-gslb}
spec:
  resourceRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: web}
  strategy: {type: roundRobin, dnsTtlSeconds: 5, weight: {eu: 60, us: "40%"}}
)");
    test::TableResolver resolver;
    resolver.table["lb.example.net"] = {{v4(198, 51, 100, 7), v4(172, 18, 0, 3)}, {v6_2001_db8(7)}};
    const ControllerResult r = reconcile(s, {"eu", HealthPolicy::Any}, resolver);
    const GslbHost* h = find_host(r, "web.cloud.example.com");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->ttl, 5u);
    EXPECT_EQ(h->strategy.weights, (std::map<std::string, uint32_t>{{"eu", 60}, {"us", 40}}));
    EXPECT_EQ(h->local.a, (std::vector<Ipv4Address>{v4(172, 18, 0, 3), v4(198, 51, 100, 7)}));  // sorted, unique
    EXPECT_EQ(h->local.aaaa, (std::vector<Ipv6Address>{v6_2001_db8(7)}));
}

TEST(Controller, AnnotatedIngressGetsAGslbOwnedByIt) {
    ClusterState s;
    add_yaml(s, R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: apps
  uid: 7d3c0b2e-1111-2222-3333-444455556666
  annotations: {k8gb.io/strategy: failover, k8gb.io/primary-geotag: eu, k8gb.io/dns-ttl-seconds: "15"}
spec:
  rules: [{host: shop.cloud.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain, namespace: apps}
spec: {rules: [{host: plain.cloud.example.com}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bad, namespace: apps, annotations: {k8gb.io/strategy: random}}
spec: {rules: [{host: bad.cloud.example.com}]}
)");
    ControllerResult r = run(s);
    ASSERT_EQ(r.gslbs_to_create.size(), 1u);
    const nlohmann::json expected = nlohmann::json::parse(R"({
      "apiVersion": "k8gb.absa.oss/v1beta1", "kind": "Gslb",
      "metadata": {"name": "shop", "namespace": "apps", "ownerReferences": [{"apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress", "name": "shop", "uid": "7d3c0b2e-1111-2222-3333-444455556666", "controller": true,
        "blockOwnerDeletion": true}]},
      "spec": {"resourceRef": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "shop"},
               "strategy": {"type": "failover", "primaryGeoTag": "eu", "dnsTtlSeconds": 15}}})");
    EXPECT_EQ(r.gslbs_to_create[0], expected);
    ASSERT_EQ(r.problems.size(), 1u);  // the unknown strategy
    EXPECT_NE(r.problems[0].find("random"), std::string::npos);

    // Once the Gslb exists it is not asked for again, and its host is served from the Ingress.
    add_yaml(s, r.gslbs_to_create[0].dump());
    r = run(s);
    EXPECT_TRUE(r.gslbs_to_create.empty());
    const GslbHost* h = find_host(r, "shop.cloud.example.com");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->strategy.type, StrategyType::Failover);
    EXPECT_EQ(h->ttl, 15u);
    EXPECT_EQ(h->health, HostHealth::NotFound);  // no Service "shop"
}

TEST(Controller, BadGslbIsSkippedWithAProblemAndDuplicateHostsGoToTheFirst) {
    ClusterState s = test::sample_cluster();
    add_yaml(s, R"(
apiVersion: k8gb.absa.oss/v1beta1
kind: Gslb
metadata: {name: broken, namespace: test-gslb}
spec:
  ingress: {rules: [{host: broken.cloud.example.com}]}
  strategy: {type: failover}
---
apiVersion: k8gb.absa.oss/v1beta1
kind: Gslb
metadata: {name: zz-copy, namespace: test-gslb}
spec:
  ingress: {rules: [{host: roundrobin.cloud.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: unhealthy-app}}}]}}]}
  strategy: {type: roundRobin}
)");
    const ControllerResult r = run(s);
    EXPECT_EQ(find_host(r, "broken.cloud.example.com"), nullptr);
    EXPECT_EQ(find_host(r, "roundrobin.cloud.example.com")->owner, "test-gslb/test-gslb");
    EXPECT_EQ(find_host(r, "roundrobin.cloud.example.com")->health, HostHealth::Healthy);
    ASSERT_EQ(r.problems.size(), 2u);
    EXPECT_NE(r.problems[0].find("primaryGeoTag"), std::string::npos) << r.problems[0];
    EXPECT_NE(r.problems[1].find("already served by Gslb test-gslb/test-gslb"), std::string::npos) << r.problems[1];
}

// Each name goes to the first Gslb (namespace/name order) that has it, whichever comes later;
// the others report it and leave it out of their status, and the hosts come out sorted.
TEST(Controller, SharedHostsGoToTheFirstGslbOfEach) {
    ClusterState s;
    add_yaml(s, R"(
apiVersion: k8gb.absa.oss/v1beta1
kind: Gslb
metadata: {name: c, namespace: n}
spec:
  ingress: {rules: [{host: x.example.com}, {host: y.example.com}, {host: w.example.com}]}
  strategy: {type: roundRobin}
---
apiVersion: k8gb.absa.oss/v1beta1
kind: Gslb
metadata: {name: b, namespace: n}
spec:
  ingress: {rules: [{host: z.example.com}, {host: y.example.com}]}
  strategy: {type: roundRobin, dnsTtlSeconds: 7}
---
apiVersion: k8gb.absa.oss/v1beta1
kind: Gslb
metadata: {name: a, namespace: n}
spec:
  ingress: {rules: [{host: x.example.com}, {host: X.example.com.}]}
  strategy: {type: roundRobin}
)");
    const ControllerResult r = run(s);
    std::vector<std::pair<std::string, std::string>> owners;
    for (const auto& h : r.hosts) owners.emplace_back(h.name, h.owner);
    EXPECT_EQ(owners, (std::vector<std::pair<std::string, std::string>>{
                          {"w.example.com", "n/c"}, {"x.example.com", "n/a"}, {"y.example.com", "n/b"}, {"z.example.com", "n/b"}}));
    EXPECT_EQ(find_host(r, "y.example.com")->ttl, 7u);
    EXPECT_EQ(r.problems, (std::vector<std::string>{"Gslb n/c: host x.example.com is already served by Gslb n/a",
                                                    "Gslb n/c: host y.example.com is already served by Gslb n/b"}));
    ASSERT_EQ(r.statuses.size(), 3u);
    EXPECT_EQ(find_status(r, "a")->hosts, (std::vector<std::string>{"x.example.com"}));
    EXPECT_EQ(find_status(r, "b")->hosts, (std::vector<std::string>{"z.example.com", "y.example.com"}));
    EXPECT_EQ(find_status(r, "c")->hosts, (std::vector<std::string>{"w.example.com"}));
    EXPECT_EQ(find_status(r, "c")->status["hosts"], "w.example.com");
    EXPECT_EQ(find_status(r, "b")->status["hosts"], "z.example.com, y.example.com");
}

// Thousands of hosts, a thousand of them in both Gslbs: the first Gslb keeps each, statuses list
// hosts in rule order, problems come in Gslb order.
TEST(Controller, ManyHostsSplitBetweenTwoGslbs) {
    auto gslb = [](const std::string& name, int first, int last) {
        nlohmann::json rules = nlohmann::json::array();
        for (int h = first; h <= last; ++h)
            rules.push_back({{"host", "h" + std::to_string(h) + ".example.com"},
                             {"http", {{"paths", {{{"backend", {{"service", {{"name", "app"}}}}}}}}}}});
        return nlohmann::json{{"apiVersion", "k8gb.absa.oss/v1beta1"}, {"kind", "Gslb"},
                              {"metadata", {{"name", name}, {"namespace", "n"}}},
                              {"spec", {{"ingress", {{"rules", rules}}}, {"strategy", {{"type", "roundRobin"}}}}}};
    };
    ClusterState s;
    s.put(kKindGslb, "n/a", gslb("a", 0, 5999));
    s.put(kKindGslb, "n/b", gslb("b", 5000, 10999));
    add_yaml(s, R"(
apiVersion: v1
kind: Service
metadata: {name: app, namespace: n}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b, namespace: n}
status: {loadBalancer: {ingress: [{ip: 192.0.2.7}]}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: app-1, namespace: n, labels: {kubernetes.io/service-name: app}}
endpoints: [{addresses: [10.0.0.1]}]
)");
    const ControllerResult r = run(s);
    ASSERT_EQ(r.hosts.size(), 11000u);
    for (size_t i = 1; i < r.hosts.size(); ++i) ASSERT_LT(r.hosts[i - 1].name, r.hosts[i].name);
    EXPECT_EQ(find_host(r, "h5500.example.com")->owner, "n/a");
    EXPECT_TRUE(find_host(r, "h5500.example.com")->local.empty());  // a's Ingress has no address
    EXPECT_EQ(find_host(r, "h6000.example.com")->owner, "n/b");
    EXPECT_EQ(find_host(r, "h6000.example.com")->local.a, (std::vector<Ipv4Address>{v4(192, 0, 2, 7)}));
    ASSERT_EQ(r.problems.size(), 1000u);
    EXPECT_EQ(r.problems.front(), "Gslb n/b: host h5000.example.com is already served by Gslb n/a");
    EXPECT_EQ(r.problems.back(), "Gslb n/b: host h5999.example.com is already served by Gslb n/a");
    ASSERT_EQ(r.statuses.size(), 2u);
    EXPECT_EQ(r.statuses[0].hosts.size(), 6000u);
    EXPECT_EQ(r.statuses[1].hosts.size(), 5000u);
    EXPECT_EQ(r.statuses[1].hosts.front(), "h6000.example.com");
    EXPECT_EQ(r.statuses[1].status["serviceHealth"].size(), 5000u);
    EXPECT_EQ(r.statuses[1].status["serviceHealth"]["h10999.example.com"], "Healthy");
    EXPECT_EQ(r.statuses[1].status["servers"][0]["services"][0]["namespace"], "n");
    EXPECT_EQ(r.statuses[1].status["loadBalancer"]["exposedIps"], nlohmann::json::array({"192.0.2.7"}));
    EXPECT_EQ(r.statuses[0].status["loadBalancer"]["exposedIps"], nlohmann::json::array());
}

TEST(Controller, HostsAreSortedAndUnique) {
    const ControllerResult r = run(test::sample_cluster());
    for (size_t i = 1; i < r.hosts.size(); ++i) EXPECT_LT(r.hosts[i - 1].name, r.hosts[i].name);
}

// normalize_host takes a shortcut for plain names; it must give what the wire-form round trip
// gives, and refuse what it refuses.
TEST(Controller, NormalizeHostIsTheCanonicalNameWithoutItsDot) {
    const std::string l63(63, 'a'), l64(64, 'b');
    std::string long253;  // 4 labels of 63 + dots = 255 text octets; cut to 253
    for (int i = 0; i < 4; ++i) long253 += (i ? "." : "") + l63;
    long253.resize(253);
    const std::vector<std::string> names = {
        "roundrobin.cloud.example.com", "RoundRobin.Cloud.Example.COM.", "a_b-c.9.example.com", "x",
        l63 + ".example.com", long253, "a\\.b.example.com", "caf\\233.example.com", "a b.example.com",
        "(x).example.com"};
    for (const auto& n : names) {
        std::string expect = canonical_name(n);
        expect.pop_back();
        EXPECT_EQ(normalize_host(n), expect) << n;
    }
    for (const std::string& bad : std::vector<std::string>{"a..example.com", ".example.com", l64 + ".example.com",
                                                           long253 + "a"})
        EXPECT_THROW(normalize_host(bad), Error) << bad;
    EXPECT_THROW(normalize_host("*.example.com"), Error);
    EXPECT_THROW(normalize_host(""), Error);
}

}  // namespace
}  // namespace xgslb
