// The soak's oracle: every answer received while the records churn must equal one version of
// its name that the daemon could be serving when the query was sent — one read by the last
// publish before the send, or by the publish before that (a query may meet a worker still
// holding the previous view) — or one current while the query was in flight. Anything else —
// a mix of two versions, a cut answer, a version older than that, or one written after the
// answer came back — is an error.
//
// The churn writer logs each version as it writes it ("<unix ns> <name> <answer>", answer as
// soak_dns.h reduces a response); the daemon logs each publish once the maps and the slow
// path's view hold it (`ts=... msg="published zones=..."`); the client records each query's
// send and receive times. All on one clock (CLOCK_REALTIME).
//
// Why "the publish before the last": publish k's data was read by the manifests source after
// publish k-1 was logged (the model loop publishes within a millisecond, the source waits at
// least its 5 ms debounce for the next read), so a version served from publish k-1's view was
// current at some instant after publish k-2 was logged. That instant is the oldest allowed.
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
    WithinLag,    // replaced before the send, but current at or after oldest_allowed()
    Stale,        // error: replaced before oldest_allowed()
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

// The times of the daemon's "published zones=" log lines, sorted (logfmt ts=...Z, UTC).
std::vector<int64_t> read_publish_times(std::istream& daemon_log);

class AnswerChecker {
public:
    // The oldest allowed version: current at some instant after the publish before the last
    // publish logged before the send (see above).
    AnswerChecker(const VersionLog& log, std::vector<int64_t> publishes)
        : log_(log), publishes_(std::move(publishes)) {}
    // Without the daemon's log: current at some instant after send - lag_ns.
    AnswerChecker(const VersionLog& log, int64_t lag_ns) : log_(log), lag_ns_(lag_ns) {}

    // The oldest instant at which an acceptable answer's version may have been current.
    int64_t oldest_allowed(int64_t send_ns) const;

    // staleness_ns (optional): for WithinLag and Stale, how long before the send the answered
    // version had been replaced.
    Verdict check(const Observation& o, int64_t* staleness_ns = nullptr) const;

    // The versions an answer could have equalled, for an error message.
    std::string explain(const Observation& o) const;

private:
    const VersionLog& log_;
    std::vector<int64_t> publishes_;
    int64_t lag_ns_ = 0;
};

}  // namespace xgslb::soak
