/* SPDX-License-Identifier: Apache-2.0 */
/* How a verdict (enum xgslb_counter, plus the strategy bits of an A/AAAA answer) becomes the XDP
 * action and the counters the program's tail increments. Plain C over the ABI header, so the
 * unit tests check the table against the counters' meaning (tests/unit/verdict_action_test.cpp). */
#pragma once

#include <linux/bpf.h>
#include <linux/types.h>

#include "maps/xgslb_abi.h"

/* An A/AAAA answer's verdict also names the counter of the set's selection
 * (XGSLB_C_strategy_fixed + XGSLB_SELECT_*) in the bits above the answer's counter index, so the
 * counters' tail counts the strategy in the stats value it already holds instead of looking it
 * up a second time; 0 there: no strategy to count. */
#define VERDICT_STRATEGY_SHIFT 8
#define VERDICT_INDEX_MASK 0xff
#define VERDICT_STRATEGY(selection) ((__u32)(XGSLB_C_strategy_fixed + (selection)) << VERDICT_STRATEGY_SHIFT)

/* Each counter index's XDP action in two bits (XDP_DROP 1, XDP_PASS 2, XDP_TX 3): the tail
 * shifts one constant instead of walking a switch's chain of compares. Every index passes but
 * the answers (TX) and the drops. */
#define VERDICT_ACTION(index, action) ((__u64)((action) ^ XDP_PASS) << (2 * (index)))
#define VERDICT_ACTIONS                                                                            \
	((~0ULL >> (64 - 2 * XGSLB_COUNTER_COUNT)) / 3 * XDP_PASS ^                                \
	 VERDICT_ACTION(XGSLB_C_answered_a, XDP_TX) ^ VERDICT_ACTION(XGSLB_C_answered_aaaa, XDP_TX) ^ \
	 VERDICT_ACTION(XGSLB_C_answered_nodata, XDP_TX) ^                                        \
	 VERDICT_ACTION(XGSLB_C_answered_nxdomain, XDP_TX) ^                                      \
	 VERDICT_ACTION(XGSLB_C_answered_rrl_slip, XDP_TX) ^ VERDICT_ACTION(XGSLB_C_dropped, XDP_DROP) ^ \
	 VERDICT_ACTION(XGSLB_C_dropped_reflection, XDP_DROP) ^ VERDICT_ACTION(XGSLB_C_dropped_rrl, XDP_DROP))
#ifdef __cplusplus
static_assert(2 * XGSLB_COUNTER_COUNT <= 64, "two bits per counter index in VERDICT_ACTIONS");
#else
_Static_assert(2 * XGSLB_COUNTER_COUNT <= 64, "two bits per counter index in VERDICT_ACTIONS");
#endif

/* The action of a counter index below XGSLB_COUNTER_COUNT. */
static inline __attribute__((always_inline)) __u32 xgslb_verdict_action(__u64 index)
{
	return (VERDICT_ACTIONS >> (2 * index)) & 3;
}
