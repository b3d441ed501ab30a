#include "userspace/cluster/json_parse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace xgslb {
namespace {

// parse_json must be nlohmann::json::parse: the same value (types included: nlohmann makes
// non-negative integers unsigned), or the same exception and message.
void expect_as_nlohmann(const std::string& text) {
    nlohmann::json expected;
    std::string expected_error;
    try {
        expected = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        expected_error = e.what();
    }
    try {
        const nlohmann::json got = parse_json(text);
        EXPECT_EQ(expected_error, "") << text;
        EXPECT_EQ(got, expected) << text;
        EXPECT_EQ(got.dump(), expected.dump()) << text;
        // Types throughout, which == does not compare (0 == 0u).
        std::vector<std::pair<const nlohmann::json*, const nlohmann::json*>> todo{{&got, &expected}};
        while (!todo.empty()) {
            auto [g, x] = todo.back();
            todo.pop_back();
            ASSERT_EQ(g->type(), x->type()) << text << " at " << x->dump();
            if (g->is_structured())
                for (auto gi = g->begin(), xi = x->begin(); gi != g->end() && xi != x->end(); ++gi, ++xi)
                    todo.push_back({&*gi, &*xi});
        }
    } catch (const nlohmann::json::exception& e) {
        EXPECT_EQ(e.what(), expected_error) << text;
    }
}

TEST(JsonParse, ValuesAndTypesAreNlohmanns) {
    for (const std::string& text : std::vector<std::string>{
             R"({"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"a","labels":{}},"spec":{"x":[]}}]})",
             R"([0, 5, -5, 9223372036854775807, 9223372036854775808, 18446744073709551615, -9223372036854775808])",
             R"([1.0, -0.5, 1e10, 2.5E-3, 1e308, 18446744073709551616, 123456789012345678901234567890])",
             R"({"b":1,"a":2,"b":3})",  // duplicate keys: the last wins
             R"(["\u00e9\u4e2d", "\ud83d\ude00", "a\"b\\c\/d\b\f\n\r\t", "\u0000x", "caf\u00c3", "é"])",
             R"(true)", R"(null)", R"("s")", R"(  [ ]  )", R"({})", R"([[[[[]]]]])",
         })
        expect_as_nlohmann(text);
}

TEST(JsonParse, WhatSimdjsonRefusesIsNlohmannsToJudge) {
    std::string deep(3000, '[');  // deeper than simdjson's 1024: nlohmann parses it
    deep += std::string(3000, ']');
    for (const std::string& text : std::vector<std::string>{
             std::string("[1,]"), std::string("{"), std::string(""), std::string("[1] x"), std::string("\"\\ud800\""),
             std::string("\"\\udc00x\""), std::string("\"\xff\""), std::string("1e400"), std::string("-1e400"),
             std::string("\xef\xbb\xbf{\"bom\":1}"), std::string("[01]"), std::string("{\"a\" 1}"), std::string("\"a\tb\""),
             deep,
         })
        expect_as_nlohmann(text);
}

}  // namespace
}  // namespace xgslb
