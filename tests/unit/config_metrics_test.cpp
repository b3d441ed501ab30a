// The metrics section and logFormat (userspace/config_metrics.cpp, config.cpp).
#include <gtest/gtest.h>

#include "userspace/config.h"
#include "userspace/error.h"

namespace xgslb {
namespace {

const std::string kBase = "instance: eu\nzones:\n  - zone: cloud.example.com\ndns:\n  listen: [\"10.77.0.2:53\"]\n";

std::string error_of(const std::string& yaml) {
    try {
        parse_config(yaml, "t.yaml");
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(ConfigMetrics, OffWhenAbsentAndParsedWhenPresent) {
    const Config off = parse_config(kBase, "t.yaml");
    EXPECT_FALSE(off.metrics.listen.has_value());
    EXPECT_EQ(off.log_format, "text");
    const Config on = parse_config(kBase + "metrics: {listen: \"127.0.0.1:9153\"}\nlogFormat: json\n", "t.yaml");
    ASSERT_TRUE(on.metrics.listen.has_value());
    EXPECT_EQ(on.metrics.listen->to_string(), "127.0.0.1:9153");
    EXPECT_EQ(on.log_format, "json");
}

TEST(ConfigMetrics, ErrorsNameLineAndField) {
    EXPECT_EQ(error_of(kBase + "metrics: {port: 9153}\n").rfind("t.yaml:6: metrics.port: unknown key", 0), 0u)
        << error_of(kBase + "metrics: {port: 9153}\n");
    EXPECT_NE(error_of(kBase + "metrics: {}\n").find("metrics: missing key 'listen'"), std::string::npos);
    EXPECT_NE(error_of(kBase + "metrics: {listen: \"nope:x\"}\n").find("metrics.listen"), std::string::npos);
    EXPECT_NE(error_of(kBase + "metrics: 9153\n").find("metrics: expected a mapping"), std::string::npos);
    EXPECT_NE(error_of(kBase + "logFormat: xml\n").find("logFormat"), std::string::npos);
}

}  // namespace
}  // namespace xgslb
