// Structured log lines, so a log shipper can split them without regexes:
//   text: ts=2026-11-26T22:50:01.123456Z level=info tid=4242 msg="published zones=2 ..."  (logfmt)
//   json: {"ts":"2026-11-26T22:50:01.123456Z","level":"info","tid":4242,"msg":"published zones=2 ..."}
// Times are UTC. Messages keep their own key=value pairs inside msg.
#pragma once

#include <string>

namespace xgslb {

// `format`: "text" | "json" (config logFormat); applies to every spdlog logger.
void apply_log_format(const std::string& format);

// Escaping used by the formats (exposed for tests): logfmt quotes a value with spaces, quotes,
// '=' or control characters; JSON escapes per RFC 8259.
std::string logfmt_value(const std::string& s);
std::string json_string(const std::string& s);

}  // namespace xgslb
