#include "userspace/log_format.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace xgslb {
namespace {

TEST(LogFormat, LogfmtQuotesOnlyWhatNeedsIt) {
    EXPECT_EQ(logfmt_value("ready"), "ready");
    EXPECT_EQ(logfmt_value("published zones=2"), "\"published zones=2\"");
    EXPECT_EQ(logfmt_value("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
    EXPECT_EQ(logfmt_value(""), "\"\"");
}

TEST(LogFormat, JsonLinesParseBackToTheMessage) {
    std::ostringstream out;
    auto logger = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(logger);
    apply_log_format("json");
    spdlog::info("libbpf: \"quoted\"\tand\nnew line \x01");
    apply_log_format("text");
    spdlog::warn("two words");
    spdlog::set_default_logger(previous);

    std::istringstream lines(out.str());
    std::string json_line, text_line;
    std::getline(lines, json_line);
    std::getline(lines, text_line);
    const auto j = nlohmann::json::parse(json_line);
    EXPECT_EQ(j["level"], "info");
    EXPECT_EQ(j["msg"], "libbpf: \"quoted\"\tand\nnew line \x01");
    EXPECT_EQ(j["ts"].get<std::string>().back(), 'Z');
    EXPECT_NE(text_line.find(" level=warning "), std::string::npos) << text_line;
    EXPECT_NE(text_line.find(" msg=\"two words\""), std::string::npos) << text_line;
    EXPECT_EQ(text_line.rfind("ts=", 0), 0u) << text_line;
}

}  // namespace
}  // namespace xgslb
