// The XDP program's tail (bpf/verdict_action.h): the two-bit action table must send every answer
// (XDP_TX), drop every drop and pass everything else, for every counter index; the strategy bits
// of an answer's verdict must name the strategy counters and leave the answer's index alone.
#include <gtest/gtest.h>

#include <string>

#include "bpf/verdict_action.h"

namespace {

const char* const kCounterNames[] = {
#define XGSLB_COUNTER_NAME(name) #name,
    XGSLB_COUNTERS(XGSLB_COUNTER_NAME)
#undef XGSLB_COUNTER_NAME
};

// The action each counter's meaning calls for, from its name (maps/xgslb_abi.h).
__u32 expected_action(const std::string& name) {
    if (name.rfind("answered_", 0) == 0) return XDP_TX;
    if (name.rfind("dropped", 0) == 0) return XDP_DROP;
    return XDP_PASS;
}

TEST(VerdictAction, EveryCounterIndexGetsItsAction) {
    int tx = 0, drop = 0;
    for (__u32 i = 0; i < XGSLB_COUNTER_COUNT; i++) {
        const __u32 want = expected_action(kCounterNames[i]);
        EXPECT_EQ(xgslb_verdict_action(i), want) << kCounterNames[i];
        tx += want == XDP_TX;
        drop += want == XDP_DROP;
    }
    // The name rule itself is checked against the counters the program has.
    EXPECT_EQ(tx, 5);
    EXPECT_EQ(drop, 3);
    EXPECT_EQ(xgslb_verdict_action(XGSLB_C_answered_a), static_cast<__u32>(XDP_TX));
    EXPECT_EQ(xgslb_verdict_action(XGSLB_C_pass_no_room), static_cast<__u32>(XDP_PASS));
    EXPECT_EQ(xgslb_verdict_action(XGSLB_C_dropped_rrl), static_cast<__u32>(XDP_DROP));
}

TEST(VerdictAction, StrategyBitsNameTheStrategyCounter) {
    for (__u32 selection : {XGSLB_SELECT_FIXED, XGSLB_SELECT_ROTATE, XGSLB_SELECT_WEIGHTED, XGSLB_SELECT_GEO}) {
        const __u32 verdict = XGSLB_C_answered_aaaa | VERDICT_STRATEGY(selection);
        EXPECT_EQ(verdict & VERDICT_INDEX_MASK, static_cast<__u32>(XGSLB_C_answered_aaaa));
        const __u32 counter = verdict >> VERDICT_STRATEGY_SHIFT;
        ASSERT_LT(counter, static_cast<__u32>(XGSLB_COUNTER_COUNT));
        EXPECT_EQ(std::string(kCounterNames[counter]).rfind("strategy_", 0), 0u) << kCounterNames[counter];
        EXPECT_EQ(counter - XGSLB_C_strategy_fixed, selection);
    }
}

}  // namespace
