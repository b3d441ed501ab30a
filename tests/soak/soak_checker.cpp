#include "tests/soak/soak_checker.h"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <sstream>

namespace xgslb::soak {

VersionLog read_version_log(std::istream& in) {
    VersionLog log;
    std::string line;
    while (std::getline(in, line)) {
        // A line still being written has no newline yet: getline hands it over at EOF.
        if (in.eof()) {
            ++log.skipped_lines;
            break;
        }
        std::istringstream fields(line);
        Version v;
        std::string name;
        if (!(fields >> v.written_ns >> name >> v.answer)) {
            ++log.skipped_lines;
            continue;
        }
        auto& versions = log.by_name[name];
        versions.push_back(std::move(v));
        ++log.versions;
    }
    for (auto& [name, versions] : log.by_name)
        std::stable_sort(versions.begin(), versions.end(),
                         [](const Version& a, const Version& b) { return a.written_ns < b.written_ns; });
    return log;
}

std::vector<int64_t> read_publish_times(std::istream& in) {
    std::vector<int64_t> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.find("msg=\"published zones=") == std::string::npos) continue;
        // ts=2026-11-27T02:21:20.220838Z
        tm t{};
        unsigned micros = 0;
        if (std::sscanf(line.c_str(), "ts=%d-%d-%dT%d:%d:%d.%6uZ", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour,
                        &t.tm_min, &t.tm_sec, &micros) != 7)
            continue;
        t.tm_year -= 1900;
        t.tm_mon -= 1;
        out.push_back(int64_t{timegm(&t)} * 1000000000 + int64_t{micros} * 1000);
    }
    std::sort(out.begin(), out.end());
    return out;
}

int64_t AnswerChecker::oldest_allowed(int64_t send_ns) const {
    if (publishes_.empty()) return send_ns - lag_ns_;
    // Publishes logged at or before the send: the last is k, the allowed start is k-2's log.
    const auto logged = std::upper_bound(publishes_.begin(), publishes_.end(), send_ns) - publishes_.begin();
    return logged >= 3 ? publishes_[static_cast<size_t>(logged - 3)] : INT64_MIN;
}

const char* to_string(Verdict v) {
    switch (v) {
    case Verdict::Current: return "current";
    case Verdict::WithinLag: return "within-lag";
    case Verdict::Stale: return "stale";
    case Verdict::Future: return "future";
    case Verdict::Unpublished: return "unpublished";
    }
    return "?";
}

namespace {

// The verdict of answering with versions[i] (equal to the answer) at o.
Verdict verdict_of(const std::vector<Version>& versions, size_t i, const Observation& o, int64_t oldest,
                   int64_t& staleness) {
    staleness = 0;
    if (versions[i].written_ns > o.recv_ns) return Verdict::Future;
    if (i + 1 == versions.size() || versions[i + 1].written_ns > o.send_ns) return Verdict::Current;
    staleness = o.send_ns - versions[i + 1].written_ns;
    return versions[i + 1].written_ns >= oldest ? Verdict::WithinLag : Verdict::Stale;
}

}  // namespace

Verdict AnswerChecker::check(const Observation& o, int64_t* staleness_ns) const {
    int64_t unused = 0;
    int64_t& staleness = staleness_ns ? *staleness_ns : unused;
    staleness = 0;
    const auto it = log_.by_name.find(std::string(o.name));
    if (it == log_.by_name.end()) return Verdict::Unpublished;
    const std::vector<Version>& versions = it->second;
    // Version i is current over [written_i, written_{i+1}). The acceptable ones start at the
    // last version written by oldest_allowed() (or the first) and end at the last written by
    // the receive: a binary search, then a few steps.
    const int64_t oldest_ok = oldest_allowed(o.send_ns);
    auto first = std::upper_bound(versions.begin(), versions.end(), oldest_ok,
                                  [](int64_t t, const Version& v) { return t < v.written_ns; });
    if (first != versions.begin()) --first;
    Verdict best = Verdict::Unpublished;
    for (auto v = first; v != versions.end() && v->written_ns <= o.recv_ns; ++v) {
        if (v->answer != o.answer) continue;
        int64_t s = 0;
        const Verdict verdict = verdict_of(versions, static_cast<size_t>(v - versions.begin()), o, oldest_ok, s);
        // An answer may equal several versions (a host removed twice is NXDOMAIN twice): the
        // most recent acceptable one decides.
        if (verdict == Verdict::Current || verdict == Verdict::WithinLag) best = verdict, staleness = s;
    }
    if (best != Verdict::Unpublished) return best;
    // An error (rare): which kind. The latest matching version written by the receive says
    // how stale; only an answer equal to no such version is from the future (an NXDOMAIN may
    // equal both an old removal and a later one).
    for (size_t i = versions.size(); i-- > 0;) {
        if (versions[i].answer != o.answer) continue;
        int64_t s = 0;
        const Verdict verdict = verdict_of(versions, i, o, oldest_ok, s);
        if (best == Verdict::Unpublished || best == Verdict::Future) best = verdict, staleness = s;
        if (best == Verdict::Stale) break;
    }
    return best;
}

std::string AnswerChecker::explain(const Observation& o) const {
    std::ostringstream s;
    s << o.name << " answered '" << o.answer << "' sent " << o.send_ns << " received " << o.recv_ns
      << " (+" << (o.recv_ns - o.send_ns) / 1000 << " us)";
    const int64_t oldest = oldest_allowed(o.send_ns);
    if (oldest != INT64_MIN) s << ", oldest allowed " << (oldest - o.send_ns) / 1000 << " us";
    s << "; versions around:";
    const auto it = log_.by_name.find(std::string(o.name));
    if (it == log_.by_name.end()) return s.str() + " none";
    const auto& versions = it->second;
    // The versions current from well before oldest_allowed() to the receive.
    const int64_t from = oldest == INT64_MIN ? INT64_MIN : oldest - (o.send_ns - oldest);
    for (size_t i = 0; i < versions.size(); ++i) {
        const bool near = versions[i].written_ns <= o.recv_ns &&
                          (i + 1 == versions.size() || versions[i + 1].written_ns >= from);
        if (near)
            s << " [" << (versions[i].written_ns - o.send_ns) / 1000 << " us: '" << versions[i].answer << "']";
    }
    return s.str();
}

}  // namespace xgslb::soak
