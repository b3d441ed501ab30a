// The slow path's per-query selection (userspace/answer_selection.h): the orders it may give are
// exactly those the XDP program may give (bpf/strategy_select.h), with the same frequencies.
// Bounds: binomial counts within 5 standard deviations (a correct implementation fails with
// probability < 6e-7 per check).
#include "userspace/answer_selection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace xgslb {
namespace {

RRset weighted_set(std::vector<uint32_t> weights) {
    RRset s;
    s.type = rrtype::A;
    s.selection = Selection::Weighted;
    for (uint32_t i = 0; i < weights.size(); ++i) {
        s.rdata.push_back(rdata_a({10, 0, 0, static_cast<uint8_t>(i)}));
        s.groups.push_back({i, 1, weights[i], 0});
    }
    return s;
}

std::string order_of(const RRset& s, const std::vector<const Rdata*>& got) {
    std::string o;
    for (const Rdata* rd : got) o += static_cast<char>('0' + (rd - s.rdata.data()));
    return o;
}

TEST(AnswerSelection, WeightedFirstByWeightOthersWrapAroundZerosLast) {
    const RRset s = weighted_set({1, 2, 5, 0});
    const size_t n = 4000;
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < n; ++i) {
        std::vector<const Rdata*> got;
        EXPECT_EQ(select_records(s, nullptr, {}, got), 0);
        ++seen[order_of(s, got)];
    }
    // Only the rotations of the positive groups, the weight-0 group last.
    ASSERT_EQ(seen.size(), 3u);
    const std::map<std::string, double> p{{"0123", 1.0 / 8}, {"1203", 2.0 / 8}, {"2013", 5.0 / 8}};
    for (const auto& [order, prob] : p) {
        const double sd = std::sqrt(n * prob * (1 - prob));
        EXPECT_NEAR(static_cast<double>(seen[order]), n * prob, 5 * sd) << order;
    }
}

TEST(AnswerSelection, RotateStartsAtEachRecordInTurn) {
    RRset s = weighted_set({0, 0, 0});
    s.selection = Selection::Rotate;
    std::map<std::string, size_t> seen;
    for (int i = 0; i < 30; ++i) {
        std::vector<const Rdata*> got;
        select_records(s, nullptr, {}, got);
        ++seen[order_of(s, got)];
    }
    EXPECT_EQ(seen, (std::map<std::string, size_t>{{"012", 10}, {"120", 10}, {"201", 10}}));
}

}  // namespace
}  // namespace xgslb
