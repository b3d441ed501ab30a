#include "userspace/log_format.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

namespace xgslb {
namespace {

// %* in the pattern: the message, escaped for the chosen format.
class EscapedMessage : public spdlog::custom_flag_formatter {
public:
    explicit EscapedMessage(bool json) : json_(json) {}
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        const std::string text(msg.payload.data(), msg.payload.size());
        const std::string out = json_ ? json_string(text) : logfmt_value(text);
        dest.append(out.data(), out.data() + out.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<EscapedMessage>(json_); }

private:
    bool json_;
};

}  // namespace

std::string logfmt_value(const std::string& s) {
    bool quote = s.empty();
    for (unsigned char c : s)
        if (c <= ' ' || c == '"' || c == '=' || c == '\\') quote = true;
    if (!quote) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') out += "\\n";
        else out += c;
    }
    return out + "\"";
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

void apply_log_format(const std::string& format) {
    const bool json = format == "json";
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<EscapedMessage>('*', json);
    formatter->set_pattern(json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","tid":%t,"msg":%*})"
                                : "ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l tid=%t msg=%*");
    spdlog::set_formatter(std::move(formatter));
}

}  // namespace xgslb
