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

// Found by tests/fuzz/manifests_fuzz.cpp's review: numbers out of range, signs, long scalars.
TEST(ManifestFile, ScalarsAtTheEdgesOfTheCoreSchema) {
    const auto o = parse_manifest_text(R"(
kind: Service
metadata: {name: s}
spec: {huge: 1e999, tiny: -1e999, big: 99999999999999999999, plus: +7, signs: +-5, dot: .5, exp: 2E3, bare: .}
)", "x.yaml")[0].object["spec"];
    EXPECT_EQ(o["huge"], "1e999");  // no infinity in JSON: kept as text, not std::out_of_range
    EXPECT_EQ(o["tiny"], "-1e999");
    EXPECT_EQ(o["big"], 1e20);
    EXPECT_EQ(o["plus"], 7);
    EXPECT_EQ(o["signs"], "+-5");
    EXPECT_EQ(o["dot"], 0.5);
    EXPECT_EQ(o["exp"], 2000.0);
    EXPECT_EQ(o["bare"], ".");
    // A scalar of 200k digits: matched without recursion (std::regex overflowed the stack).
    const std::string digits(200000, '7');
    const auto d = parse_manifest_text("kind: Service\nmetadata: {name: s}\nspec: {n: 0." + digits + ", big: " + digits + "}\n",
                                       "x.yaml");
    EXPECT_NEAR(d[0].object["spec"]["n"].get<double>(), 0.7777, 1e-4);
    EXPECT_EQ(d[0].object["spec"]["big"], digits);  // 7.7e199999: out of range, kept as text
}

TEST(ManifestFile, StringsMustBeUtf8) {
    // Found by manifests_fuzz: yaml-cpp passes other octets through, and dumping such an object
    // (a status, a created Gslb) threw nlohmann's type_error.
    for (const std::string bad : {"\x85\x85", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"}) {
        try {
            parse_manifest_text("kind: Service\nmetadata: {name: s}\nspec: {x: \"a" + bad + "\"}\n", "u.yaml");
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("u.yaml:1: a string that is not UTF-8"), std::string::npos) << e.what();
        }
    }
    const auto ok = parse_manifest_text("kind: Service\nmetadata: {name: s}\nspec: {x: \"é€😀\"}\n", "u.yaml");
    EXPECT_EQ(ok[0].object["spec"]["x"], "é€😀");
}

TEST(ManifestFile, TextYamlCppWouldLoopOnIsAnError) {
    // Found by manifests_fuzz: yaml-cpp 0.7 allocates nodes forever on this (a leading ',').
    const std::string text =
        ",# The app's Service\napiVersion: v1\nkind: Service\nmetadata:\n  name: frontend-podinfo\n  namespace: demo\n"
        "spec:\n  selector:\n    app: frontend-podinfo\n  ports:\n    - name: http\n      port: 9898\n      targetPort: 9898\n";
    try {
        parse_manifest_text(text, "loop.yaml");
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("loop.yaml:1: YAML syntax"), std::string::npos) << e.what();
    }
}

TEST(ManifestFile, AliasBombIsAnErrorNotAHang) {
    // Each level is ten aliases of the one before: 10^12 nodes from a few hundred octets.
    std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 12; ++i) {
        const std::string prev = "*a" + std::to_string(i - 1);
        text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
        for (int k = 1; k < 10; ++k) text += ", " + prev;
        text += "]\n";
    }
    text += "kind: Service\nmetadata: {name: s}\n";
    try {
        parse_manifest_text(text, "bomb.yaml");
        ADD_FAILURE() << "10^12 nodes accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("bomb.yaml:1: more than 1000000 nodes"), std::string::npos) << e.what();
    }
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

// nlohmann refuses a number beyond double's range with out_of_range, not parse_error: it must
// come out as the file's error too (it used to escape and end the parsing thread).
TEST(ManifestFile, JsonNumberOutOfRangeIsAnError) {
    try {
        parse_manifest_text(R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}, "spec": {"x": 1e400}})",
                            "big.json");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("big.json:1: JSON: "), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("number overflow"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace xgslb
