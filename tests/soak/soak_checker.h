// The soak's oracle: every answer received while the records churn must equal one version of
// its name that was published while the query was in flight, or the one it replaced no more
// than one publish before the query was sent. Anything else — a mix of two versions, a cut
// answer, a version older than that, or one written after the answer came back — is an error.
//
// The churn writer logs each version as it writes it ("<unix ns> <name> <answer>", answer as
// soak_dns.h reduces a response); the client records each query's send and receive times on
// the same clock (CLOCK_REALTIME).
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace xgslb::soak {

struct Version {
    int64_t written_ns;  // when the writer made it visible to the daemon (just before the rename)
    std::string answer;
};

// name -> its versions in time order. Lines that do not parse (a torn last line of a log still
// being written) are skipped and counted.
struct VersionLog {
    std::unordered_map<std::string, std::vector<Version>> by_name;
    uint64_t versions = 0;
    uint64_t skipped_lines = 0;
};
VersionLog read_version_log(std::istream& in);

enum class Verdict {
    Current,      // a version current at some instant between send and receive
    WithinLag,    // the version replaced at most `lag` before the send (one publish behind)
    Stale,        // error: replaced more than `lag` before the send
    Future,       // error: written after the answer arrived
    Unpublished,  // error: equal to no version of the name (mixed, truncated, malformed...)
};
const char* to_string(Verdict v);
inline bool is_error(Verdict v) { return v != Verdict::Current && v != Verdict::WithinLag; }

struct Observation {
    std::string_view name;
    std::string_view answer;
    int64_t send_ns;
    int64_t recv_ns;
};

class AnswerChecker {
public:
    // lag_ns: "one publish": how long the daemon may keep serving a replaced version (its
    // debounce window plus one build and publish of the view).
    AnswerChecker(const VersionLog& log, int64_t lag_ns) : log_(log), lag_ns_(lag_ns) {}

    // staleness_ns (optional): for WithinLag and Stale, how long before the send the answered
    // version had been replaced.
    Verdict check(const Observation& o, int64_t* staleness_ns = nullptr) const;

    // The versions an answer could have equalled, for an error message.
    std::string explain(const Observation& o) const;

private:
    const VersionLog& log_;
    int64_t lag_ns_;
};

}  // namespace xgslb::soak
