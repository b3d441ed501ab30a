// The API's JSON as the client decodes it (userspace/cluster/kube_decode.h): what the API
// sends, and what it never should — each an xgslb::Error naming the problem, never a JSON
// library exception (tests/fuzz/kube_json_fuzz.cpp searches for more).
#include "userspace/cluster/kube_decode.h"

#include <gtest/gtest.h>

#include "userspace/error.h"

namespace xgslb {
namespace {

TEST(KubeDecode, ListPage) {
    const auto page = decode_list_page("list gslbs", R"({"kind":"GslbList","metadata":{"resourceVersion":"12",
        "continue":"abc:1"},"items":[{"metadata":{"name":"a","namespace":"n"}},{"metadata":{}},7]})");
    ASSERT_EQ(page.items.size(), 1u);  // the nameless item and the number are dropped
    EXPECT_EQ(page.resource_version, "12");
    EXPECT_EQ(page.continue_token, "abc:1");
    EXPECT_TRUE(decode_list_page("l", R"({"items":null})").items.empty());
}

TEST(KubeDecode, ListPageErrorsAreErrors) {
    for (const char* body : {"", "[1]", "\"x\"", R"({"items":{}})", "{"}) {
        try {
            decode_list_page("list gslbs", body);
            ADD_FAILURE() << "accepted: " << body;
        } catch (const Error& e) {
            EXPECT_EQ(std::string(e.what()).rfind("list gslbs: ", 0), 0u) << e.what();
        }
    }
    // Mistyped metadata: absent, as the API's optional fields behave (was a json type_error).
    const auto page = decode_list_page("l", R"({"metadata":{"resourceVersion":5,"continue":[]},"items":[]})");
    EXPECT_EQ(page.resource_version, "");
    EXPECT_EQ(page.continue_token, "");
}

TEST(KubeDecode, WatchEventsApplyToTheMirror) {
    std::map<std::string, ObjectPtr> mirror;
    std::string version = "1";
    auto apply = [&](const char* line) { return apply_watch_event("w", decode_watch_event("w", line), mirror, version); };
    EXPECT_EQ(apply(R"({"type":"ADDED","object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"2"}}})"),
              WatchStep::Applied);
    EXPECT_EQ(mirror.count("n/a"), 1u);
    EXPECT_EQ(version, "2");
    EXPECT_EQ(apply(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})"), WatchStep::Bookmark);
    EXPECT_EQ(version, "9");
    EXPECT_EQ(apply(R"({"type":"DELETED","object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"10"}}})"),
              WatchStep::Applied);
    EXPECT_TRUE(mirror.empty());
    // Mistyped fields (were json type_errors thrown inside libcurl's write callback).
    EXPECT_EQ(apply(R"({"type":7,"object":{"metadata":{"name":"a"}}})"), WatchStep::Ignored);
    EXPECT_EQ(apply(R"({"type":"ADDED","object":{"metadata":{"name":"b","resourceVersion":11}}})"), WatchStep::Applied);
    EXPECT_EQ(version, "10");  // a number is not a resourceVersion
    EXPECT_EQ(apply(R"({"type":"ADDED","object":{"metadata":{}}})"), WatchStep::Ignored);
    EXPECT_EQ(apply(R"({"type":"ERROR","object":{"code":410,"message":"too old"}})"), WatchStep::Gone);
    EXPECT_THROW(apply(R"({"type":"ERROR","object":{"code":"410"}})"), Error);
    try {
        apply(R"({"type":"ERROR","object":{"code":500,"message":"etcd down"}})");
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "w: ERROR event: etcd down");
    }
    EXPECT_THROW(decode_watch_event("w", "[]"), Error);
    EXPECT_THROW(decode_watch_event("w", "{\"type\":"), Error);
}

}  // namespace
}  // namespace xgslb
