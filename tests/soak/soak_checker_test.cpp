// The soak's oracle must be able to fail: mixed, stale, future and cut answers are flagged,
// the current version and the one a publish behind are not.
#include "tests/soak/soak_checker.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <sstream>

#include "tests/soak/soak_dns.h"

namespace xgslb::soak {
namespace {

constexpr int64_t kMs = 1000000;

// h1: v1 at 1000 ms, v2 at 2000 ms, removed at 3000 ms, v4 at 4000 ms.
VersionLog sample_log() {
    std::istringstream in(
        "1000000000 h1.example.com 10.1.0.1,172.16.0.1\n"
        "2000000000 h1.example.com 10.1.0.2,172.16.0.2,172.16.0.3\n"
        "3000000000 h1.example.com NXDOMAIN\n"
        "4000000000 h1.example.com 10.1.0.4\n"
        "1000000000 h2.example.com 10.2.0.1\n"
        "4500000000 h1.example.com 10.1.0.5");  // torn: no newline yet
    return read_version_log(in);
}

TEST(SoakChecker, ReadsTheLogAndSkipsATornLastLine) {
    const VersionLog log = sample_log();
    EXPECT_EQ(log.versions, 5u);
    EXPECT_EQ(log.skipped_lines, 1u);
    ASSERT_EQ(log.by_name.at("h1.example.com").size(), 4u);
}

TEST(SoakChecker, TheVersionCurrentInFlightIsCorrect) {
    const VersionLog log = sample_log();
    const AnswerChecker c(log, 100 * kMs);
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.1,172.16.0.1", 1500 * kMs, 1501 * kMs}), Verdict::Current);
    // Sent under v1, received under v2: either is current.
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.1,172.16.0.1", 1999 * kMs, 2001 * kMs}), Verdict::Current);
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.2,172.16.0.2,172.16.0.3", 1999 * kMs, 2001 * kMs}), Verdict::Current);
    EXPECT_EQ(c.check({"h1.example.com", "NXDOMAIN", 3500 * kMs, 3501 * kMs}), Verdict::Current);
}

TEST(SoakChecker, OnePublishBehindIsAllowedButNoMore) {
    const VersionLog log = sample_log();
    const AnswerChecker c(log, 100 * kMs);
    int64_t staleness = 0;
    // v2 was replaced at 3000 ms; sent 50 ms later: the daemon may not have published yet.
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.2,172.16.0.2,172.16.0.3", 3050 * kMs, 3051 * kMs}, &staleness),
              Verdict::WithinLag);
    EXPECT_EQ(staleness, 50 * kMs);
    // 150 ms later: stale beyond one publish.
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.2,172.16.0.2,172.16.0.3", 3150 * kMs, 3151 * kMs}, &staleness),
              Verdict::Stale);
    // Two versions behind, however quickly.
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.1,172.16.0.1", 3010 * kMs, 3011 * kMs}), Verdict::Stale);
}

TEST(SoakChecker, MixedTruncatedAndUnknownAnswersAreFlagged) {
    const VersionLog log = sample_log();
    const AnswerChecker c(log, 100 * kMs);
    // The negative control: half of v1 and half of v2, as a torn map read would give.
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.1,172.16.0.2,172.16.0.3", 2000 * kMs, 2001 * kMs}),
              Verdict::Unpublished);
    // v2 cut to its first two records.
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.2,172.16.0.2", 2500 * kMs, 2501 * kMs}), Verdict::Unpublished);
    EXPECT_EQ(c.check({"h1.example.com", "TRUNCATED", 2500 * kMs, 2501 * kMs}), Verdict::Unpublished);
    EXPECT_EQ(c.check({"h1.example.com", "NODATA", 3500 * kMs, 3501 * kMs}), Verdict::Unpublished);
    // Another name's records.
    EXPECT_EQ(c.check({"h1.example.com", "10.2.0.1", 1500 * kMs, 1501 * kMs}), Verdict::Unpublished);
    EXPECT_EQ(c.check({"h9.example.com", "10.2.0.1", 1500 * kMs, 1501 * kMs}), Verdict::Unpublished);
}

TEST(SoakChecker, AVersionWrittenAfterTheAnswerArrivedIsFlagged) {
    const VersionLog log = sample_log();
    const AnswerChecker c(log, 100 * kMs);
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.4", 3500 * kMs, 3600 * kMs}), Verdict::Future);
    EXPECT_EQ(c.check({"h2.example.com", "10.2.0.1", 900 * kMs, 950 * kMs}), Verdict::Future);
}

TEST(SoakChecker, TheDaemonsPublishesDecideHowStaleAnAnswerMayBe) {
    const VersionLog log = sample_log();
    const AnswerChecker c(log, std::vector<int64_t>{1900 * kMs, 2500 * kMs, 3100 * kMs, 3200 * kMs});
    // Sent at 3150 ms: the last publish was logged at 3100, the one before at 2500 (its data
    // read after 1900): versions current after 1900 may still be served.
    EXPECT_EQ(c.oldest_allowed(3150 * kMs), 1900 * kMs);
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.2,172.16.0.2,172.16.0.3", 3150 * kMs, 3151 * kMs}),
              Verdict::WithinLag);
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.1,172.16.0.1", 3150 * kMs, 3151 * kMs}), Verdict::WithinLag);
    // Sent at 3250 ms: v1, replaced at 2000, before the 2500 publish: stale beyond one publish.
    EXPECT_EQ(c.oldest_allowed(3250 * kMs), 2500 * kMs);
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.1,172.16.0.1", 3250 * kMs, 3251 * kMs}), Verdict::Stale);
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.2,172.16.0.2,172.16.0.3", 3250 * kMs, 3251 * kMs}),
              Verdict::WithinLag);
    // Mixed stays mixed, whatever the publishes.
    EXPECT_EQ(c.check({"h1.example.com", "10.1.0.1,172.16.0.2,172.16.0.3", 3250 * kMs, 3251 * kMs}),
              Verdict::Unpublished);
    // Before the third publish anything published so far may be served.
    EXPECT_EQ(c.oldest_allowed(3000 * kMs), INT64_MIN);
}

TEST(SoakChecker, AnOldRemovalIsStaleNotFuture) {
    // h1 removed at 3000 ms and, in this log, again at 5000 ms.
    std::istringstream in(
        "1000000000 h1.example.com 10.1.0.1\n3000000000 h1.example.com NXDOMAIN\n"
        "4000000000 h1.example.com 10.1.0.4\n5000000000 h1.example.com NXDOMAIN\n");
    const VersionLog log = read_version_log(in);
    const AnswerChecker c(log, 100 * kMs);
    EXPECT_EQ(c.check({"h1.example.com", "NXDOMAIN", 4500 * kMs, 4501 * kMs}), Verdict::Stale);
}

TEST(SoakChecker, ReadsPublishTimesFromTheDaemonLog) {
    std::istringstream in(
        "ts=2026-11-27T02:21:20.220838Z level=info tid=1 msg=\"published zones=1 names=26 took_us=191\"\n"
        "ts=2026-11-27T02:21:20.220895Z level=info tid=1 msg=\"model: hosts=12 peers=0\"\n"
        "garbage published zones=\n"
        "ts=2026-11-27T02:21:19.000001Z level=info tid=1 msg=\"published zones=1 names=20 took_us=9\"\n");
    const auto times = read_publish_times(in);
    ASSERT_EQ(times.size(), 2u);
    EXPECT_EQ(times[0], int64_t{1795746079} * 1000000000 + 1000);
    EXPECT_EQ(times[1], int64_t{1795746080} * 1000000000 + 220838000);
}

TEST(SoakChecker, ExplainsAnErrorWithTheVersionsAround) {
    const VersionLog log = sample_log();
    const AnswerChecker c(log, 100 * kMs);
    const std::string e = c.explain({"h1.example.com", "10.9.9.9", 3050 * kMs, 3051 * kMs});
    EXPECT_NE(e.find("'NXDOMAIN'"), std::string::npos) << e;
    EXPECT_NE(e.find("'10.1.0.2,172.16.0.2,172.16.0.3'"), std::string::npos) << e;
    EXPECT_EQ(e.find("'10.1.0.4'"), std::string::npos) << e;
}

// ---- the wire side ----------------------------------------------------------------------------

// A response to build_query(id, name, false): header flags, then answer records (A, owner a
// pointer to the question) appended after the question and the OPT is dropped.
std::vector<uint8_t> response(uint16_t id, const std::string& name, uint8_t flags2, uint8_t rcode,
                              const std::vector<std::array<uint8_t, 4>>& a, uint16_t type = 1) {
    std::vector<uint8_t> w = build_query(id, name, false);
    w.resize(w.size() - 11);  // drop the OPT
    w[2] = static_cast<uint8_t>(0x84 | flags2);
    w[3] = rcode;
    w[7] = static_cast<uint8_t>(a.size());
    w[11] = 0;
    for (const auto& addr : a) {
        const uint8_t rr[] = {0xc0, 12, 0, static_cast<uint8_t>(type), 0, 1, 0, 0, 0, 30, 0, 4};
        w.insert(w.end(), std::begin(rr), std::end(rr));
        w.insert(w.end(), addr.begin(), addr.end());
    }
    return w;
}

TEST(SoakDns, ReducesAResponseToTheCheckersText) {
    ParsedResponse r;
    ASSERT_TRUE(parse_response(response(7, "H1.Example.com", 0, 0, {{172, 16, 0, 2}, {10, 1, 0, 2}}), "h1.example.com", r));
    EXPECT_EQ(r.id, 7);
    EXPECT_EQ(r.answer, "10.1.0.2,172.16.0.2");
    ASSERT_TRUE(parse_response(response(7, "h1.example.com", 0, 3, {}), "h1.example.com", r));
    EXPECT_EQ(r.answer, "NXDOMAIN");
    ASSERT_TRUE(parse_response(response(7, "h1.example.com", 0, 0, {}), "h1.example.com", r));
    EXPECT_EQ(r.answer, "NODATA");
    ASSERT_TRUE(parse_response(response(7, "h1.example.com", 0x02, 0, {{10, 1, 0, 2}}), "h1.example.com", r));
    EXPECT_EQ(r.answer, "TRUNCATED");
    ASSERT_TRUE(parse_response(response(7, "h1.example.com", 0, 2, {}), "h1.example.com", r));
    EXPECT_EQ(r.answer, "RCODE2");
    ASSERT_TRUE(parse_response(response(7, "h1.example.com", 0, 0, {{10, 1, 0, 2}}, 5), "h1.example.com", r));
    EXPECT_EQ(r.answer, "TYPE5");
    ASSERT_TRUE(parse_response(response(7, "h2.example.com", 0, 0, {{10, 1, 0, 2}}), "h1.example.com", r));
    EXPECT_EQ(r.answer, "MALFORMED");  // the question of another query
    auto cut = response(7, "h1.example.com", 0, 0, {{10, 1, 0, 2}});
    cut.resize(cut.size() - 2);
    ASSERT_TRUE(parse_response(cut, "h1.example.com", r));
    EXPECT_EQ(r.answer, "MALFORMED");
}

TEST(SoakDns, AQueryIsNotAResponse) {
    ParsedResponse r;
    EXPECT_FALSE(parse_response(build_query(1, "h1.example.com", true), "h1.example.com", r));
    EXPECT_FALSE(parse_response(std::vector<uint8_t>(5), "h1.example.com", r));
}

TEST(SoakDns, TheCookieQueryCarriesOneCookieOption) {
    const auto plain = build_query(1, "h1.example.com", false);
    const auto cookie = build_query(1, "h1.example.com", true);
    ASSERT_EQ(cookie.size(), plain.size() + 12);
    EXPECT_EQ(cookie[cookie.size() - 12], 0);
    EXPECT_EQ(cookie[cookie.size() - 11], 10);  // option code 10: COOKIE
    EXPECT_EQ(cookie[cookie.size() - 9], 8);    // 8 octets: a client cookie alone
}

}  // namespace
}  // namespace xgslb::soak
