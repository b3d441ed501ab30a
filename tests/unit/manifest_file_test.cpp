#include "userspace/cluster/manifest_file.h"

#include <gtest/gtest.h>

#include "tests/unit/cluster_test_util.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

TEST(ManifestFile, K8gbSampleLoadsUnchanged) {
    const auto objects = load_manifest_file(test::fixture("k8gb/k8gb.absa.oss_v1beta1_gslb_cr.yaml"));
    ASSERT_EQ(objects.size(), 1u);
    EXPECT_EQ(objects[0].kind, "Gslb");
    EXPECT_EQ(objects[0].key, "test-gslb/test-gslb");
    EXPECT_EQ(objects[0].object["spec"]["strategy"]["dnsTtlSeconds"], 30);  // a number, not "30"
    EXPECT_EQ(objects[0].object["spec"]["ingress"]["rules"][2]["host"], "roundrobin.cloud.example.com");
}

TEST(ManifestFile, MultiDocumentListsAndSkippedKinds) {
    const auto objects = parse_manifest_text(R"(
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Service, metadata: {name: a, namespace: apps}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}
---
apiVersion: v1
kind: Service
metadata: {name: c}
---
)", "x.yaml");
    ASSERT_EQ(objects.size(), 2u);
    EXPECT_EQ(objects[0].key, "apps/a");
    EXPECT_EQ(objects[1].key, "default/c");  // no namespace: the API's default
    EXPECT_EQ(objects[1].line, 12);
}

TEST(ManifestFile, ScalarsFollowTheYamlCoreSchema) {
    const auto o = parse_manifest_text(R"(
kind: Service
metadata: {name: s}
spec: {n: 42, neg: -3, f: 1.5, t: true, no: false, nil: ~, q: "42", word: yes-no, ip: 10.0.0.1, v6: "::1"}
)", "x.yaml")[0].object["spec"];
    EXPECT_EQ(o["n"], 42);
    EXPECT_EQ(o["neg"], -3);
    EXPECT_EQ(o["f"], 1.5);
    EXPECT_EQ(o["t"], true);
    EXPECT_EQ(o["no"], false);
    EXPECT_TRUE(o["nil"].is_null());
    EXPECT_EQ(o["q"], "42");
    EXPECT_EQ(o["word"], "yes-no");
    EXPECT_EQ(o["ip"], "10.0.0.1");
    EXPECT_EQ(o["v6"], "::1");
}

void expect_error(const std::string& text, const std::string& expected) {
    try {
        parse_manifest_text(text, "bad.yaml");
        ADD_FAILURE() << "no error for: " << text;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
}

TEST(ManifestFile, ErrorsNameFileAndLine) {
    expect_error("kind: Service\nmetadata: {name: a}\nspec: [\n", "bad.yaml:4: YAML syntax");
    expect_error("kind: Service\nmetadata: {name: a}\n---\nkind: Ingress\nmetadata: {namespace: x}\n",
                 "bad.yaml:4: Ingress without metadata.name");
    expect_error("---\n- just\n- a list\n", "bad.yaml:2: expected a Kubernetes object");
    expect_error("metadata: {name: a}\n", "bad.yaml:1: object without kind");
}

TEST(ManifestFile, JsonFilesObjectsAndLists) {
    const auto objects = parse_manifest_text(
        R"({"kind": "List", "items": [{"kind": "Service", "metadata": {"name": "a", "namespace": "n"}, "spec": {"x": 1}},
                                     {"kind": "Pod", "metadata": {"name": "p"}}]})",
        "l.json");
    ASSERT_EQ(objects.size(), 1u);
    EXPECT_EQ(objects[0].key, "n/a");
    EXPECT_EQ(objects[0].object["spec"]["x"], 1);
    try {
        parse_manifest_text("{\"kind\": \"Service\",\n \"metadata\": {\"name\": \"a\"\n", "bad.json");
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("bad.json:3: JSON syntax"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace xgslb
