// NS names and localtargets names exactly as k8gb derives them
// (controllers/depresolver/depresolver_domaininfo.go getNsName; assistant/gslb.go GetExternalTargets).
#include <gtest/gtest.h>

#include "userspace/config.h"
#include "userspace/error.h"
#include "userspace/gslb_names.h"
#include "userspace/view_assembly.h"

namespace xgslb {
namespace {

TEST(GslbNsName, K8gbExamples) {
    // The article's and k8gb's README/terratest names.
    EXPECT_EQ(gslb_ns_name("eu", "cloud.example.com", "example.com"), "gslb-ns-eu-cloud.example.com");
    EXPECT_EQ(gslb_ns_name("us", "cloud.example.com", "example.com"), "gslb-ns-us-cloud.example.com");
    // k8gb's DNS fake in its tests: dnsZone cloud.example.com, edge example.com, tag uk.
    EXPECT_EQ(gslb_ns_name("uk", "cloud.example.com", "example.com"), "gslb-ns-uk-cloud.example.com");
    // A deeper zone: every dot of the part below the edge zone becomes a dash.
    EXPECT_EQ(gslb_ns_name("us-east-1", "k8gb-test-preprod.gslb.cloud.example.com", "cloud.example.com"),
              "gslb-ns-us-east-1-k8gb-test-preprod-gslb.cloud.example.com");
    EXPECT_EQ(gslb_ns_name("eu", "gslb.example.com", "example.com"), "gslb-ns-eu-gslb.example.com");
}

TEST(GslbNsName, CaseAndTrailingDotsDoNotMatter) {
    EXPECT_EQ(gslb_ns_name("eu", "Cloud.Example.COM.", "example.com."), "gslb-ns-eu-cloud.example.com");
}

TEST(GslbNsName, ZoneMustBeStrictlyBelowTheEdgeZone) {
    EXPECT_THROW(gslb_ns_name("eu", "example.com", "example.com"), Error);
    EXPECT_THROW(gslb_ns_name("eu", "cloud.example.org", "example.com"), Error);
    EXPECT_THROW(gslb_ns_name("eu", "cloudexample.com", "example.com"), Error);  // suffix, not a parent
}

TEST(GslbNsName, TooLongLabelIsAnError) {
    const std::string long_zone = std::string(55, 'x') + ".example.com";
    EXPECT_THROW(gslb_ns_name("eu", long_zone, "example.com"), Error);  // "gslb-ns-eu-" + 55 > 63
}

TEST(GslbNsNames, SortedAndOwn) {
    Config c = parse_config(R"(instance: eu
geoTag: us
zones: [{zone: cloud.example.com}]
dns: {listen: ["10.0.0.2:53"]}
gslb: {zone: cloud.example.com, edgeZone: example.com, edgeServers: ["10.0.0.1"], geoTags: [us, eu, za]}
)", "t.yaml");
    EXPECT_EQ(gslb_ns_names(c), (std::vector<std::string>{"gslb-ns-eu-cloud.example.com", "gslb-ns-us-cloud.example.com",
                                                          "gslb-ns-za-cloud.example.com"}));
    EXPECT_EQ(own_ns_name(c), "gslb-ns-us-cloud.example.com");
}

TEST(LocaltargetsName, BothWays) {
    EXPECT_EQ(localtargets_name("roundrobin.cloud.example.com"), "localtargets-roundrobin.cloud.example.com");
    EXPECT_EQ(host_of_localtargets("localtargets-roundrobin.cloud.example.com"), "roundrobin.cloud.example.com");
    EXPECT_EQ(host_of_localtargets("roundrobin.cloud.example.com"), "");
    EXPECT_EQ(host_of_localtargets("localtargets-"), "");
}

}  // namespace
}  // namespace xgslb
