/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The express program's answer (xgslb_xdp, bpf/xgslb.bpf.c): the common query, found by the lane
 * (bpf/express_lane.h), rate-limited, and answered by the lean writer straight from its express
 * slot. Anything else is EXPRESS_NOT_MINE, and the frame goes to the general program untouched.
 *
 * Written from the slot, not from a copy. The slot's sequence was read before the name compare
 * (express_match) and is read again after the records were written into the frame: unchanged
 * (and even, as the lane checked) proves the compare, the set's fields and the records all came
 * from one whole version of the slot. Changed, the response may mix two versions, and the frame
 * is dropped (XGSLB_C_dropped: a rewritten frame that could not be completed), which only a
 * query racing a rewrite of its own slot can meet; the client asks again. Copying the slot to a
 * per-CPU buffer first, as an earlier version did, measured 5-10 ns more.
 *
 * Decided before the rate limit, so that a query handed on is charged only there: that the set
 * is one the lean writer writes (1-4 A or AAAA records) and that the frame ends where the
 * message does (Ethernet padding would need the tail writer). After the rate limit only the
 * growth helper can still refuse (no headroom), with the frame untouched: that query too goes to
 * the general program, which charges its bucket a second time.
 */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"
#include "bpf/dns_query.h"
#include "bpf/express_lane.h"
#include "bpf/express_table.h"
#include "bpf/records_response.h"
#include "bpf/rrl.h"

/* Not a counter: the frame is the general program's. */
#define EXPRESS_NOT_MINE ((enum xgslb_counter)(XGSLB_COUNTER_COUNT + 1))

/* Not counters either: the frame is an answer of this program, `aaaa` (0 or 1) saying which type
 * and `rotate` (0 or 1) whether its set rotates (else it is Fixed: the express table holds no
 * other selection). Four values the program's tail counts with two constant choices
 * (count_express_answer) instead of decoding a verdict. */
#define EXPRESS_ANSWERED_FIRST (XGSLB_COUNTER_COUNT + 2)
#define EXPRESS_ANSWERED(aaaa, rotate) ((enum xgslb_counter)(EXPRESS_ANSWERED_FIRST + 2 * (aaaa) + (rotate)))

/* The lean writer's instance for this layout and length (the lane proved the layout: DNS at
 * FIXED_DNS_OFF_IPV4 or _IPV6, the client's OPT without options or none). */
static __always_inline int express_write(struct xdp_md *ctx, const struct dns_query *q,
					 const struct xgslb_settings *settings, const __u8 *wire,
					 const struct selected_records *sel)
{
	if (q->family == XGSLB_FAMILY_IPV4) {
		if (q->has_opt)
			LEAN_EVERY_LENGTH(FIXED_DNS_OFF_IPV4, 1)
		else
			LEAN_EVERY_LENGTH(FIXED_DNS_OFF_IPV4, 0)
	} else {
		if (q->has_opt)
			LEAN_EVERY_LENGTH(FIXED_DNS_OFF_IPV6, 1)
		else
			LEAN_EVERY_LENGTH(FIXED_DNS_OFF_IPV6, 0)
	}
	return INLINE_GROW_REFUSED;
}

/* Whether the lean writer writes a set of `len` octets. */
static __always_inline int express_lean_length(__u32 len)
{
	return len == 1 * XGSLB_RR_A_LEN || len == 2 * XGSLB_RR_A_LEN || len == 3 * XGSLB_RR_A_LEN ||
	       len == 4 * XGSLB_RR_A_LEN || len == 1 * XGSLB_RR_AAAA_LEN || len == 2 * XGSLB_RR_AAAA_LEN ||
	       len == 3 * XGSLB_RR_AAAA_LEN || len == 4 * XGSLB_RR_AAAA_LEN;
}

/* What the general program would find again: the header checks' results, in the scratch map for
 * it (xgslb_scratch.headers_checked); cleared when the lane stopped before them. Every way to the
 * tail call passes here, so the general program never reads an earlier frame's. Also after the
 * rate limit (the frame untouched, a refusal of the growth): the headers are the same. */
static __always_inline enum xgslb_counter hand_on(const struct dns_query *q)
{
	__u32 zero = 0;
	struct xgslb_scratch *scratch = bpf_map_lookup_elem(&xgslb_scratch, &zero);
	if (!scratch)
		return EXPRESS_NOT_MINE;
	if (!q->dns_off) {
		scratch->headers_checked = 0;
		return EXPRESS_NOT_MINE;
	}
	scratch->l3_off = q->l3_off;
	scratch->dns_off = q->dns_off;
	scratch->dns_len = q->dns_len;
	scratch->family = q->family;
	scratch->source_port = q->source.port;
	__builtin_memcpy(scratch->source_addr, q->source.addr, sizeof(scratch->source_addr));
	scratch->headers_checked = 1;
	return EXPRESS_NOT_MINE;
}

static __always_inline enum xgslb_counter answer_from_express_table(struct xdp_md *ctx)
{
	struct dns_query q;
	/* Set by the lane once the headers passed, with what hand_on passes on. The compiler may read
	 * those before it tests dns_off (stack memory: a legal speculation), and the verifier refuses
	 * reads of stack never written, so they start defined. */
	q.dns_off = 0;
	q.dns_len = 0;
	q.l3_off = 0;
	q.family = 0;
	q.source = (struct query_source){};
	__u32 zero = 0;
	struct xgslb_settings *settings = bpf_map_lookup_elem(&xgslb_settings, &zero);
	if (!settings)
		return hand_on(&q);
	const struct xgslb_listen_set *listen_set = published_listen_set();
	if (!listen_set)
		return hand_on(&q);

	PROFILE_STAGE(0);
	__u32 sequence = 0;
	struct xgslb_express_slot *slot = express_lane(ctx, settings, listen_set, &q, &sequence);
	if (!slot)
		return hand_on(&q);
	__u32 len = slot->wire_len;
	if (!express_lean_length(len))
		return hand_on(&q);
	{
		void *data = (void *)(long)ctx->data;
		void *data_end = (void *)(long)ctx->data_end;
		if (data + q.dns_off + q.question_end + (q.has_opt ? XGSLB_OPT_RR_LEN : 0) != data_end)
			return hand_on(&q);
	}
	PROFILE_STAGE(1);
	PROFILE_STAGE(2);
	PROFILE_STAGE(3);
	enum xgslb_counter verdict = rrl_decide(ctx, settings, &q, listen_set);
	if (verdict != RRL_GO_ON)
		return verdict;
	PROFILE_STAGE(4);
	PROFILE_STAGE(5);

	/* The set's turn (Rotate), the per-CPU counter xgslb_rrsets' sets use too: read now, advanced
	 * only once the slot proved whole. A torn read can make these anything: bounded before use. */
	__u32 count = slot->count, selection = slot->selection;
	__u32 start = 0, turn = 0;
	__u32 *rotation = 0;
	if (selection == XGSLB_SELECT_ROTATE) {
		rotation = bpf_map_lookup_elem(&xgslb_rotation, &zero);
		if (!rotation || !count)
			return hand_on(&q);
		turn = *rotation;
		start = turn % count;
	}
	__u32 off = start * slot->record_len;
	if (off > XGSLB_EXPRESS_WIRE_MAX)
		return hand_on(&q);
	PROFILE_STAGE(6);
	struct selected_records sel = {
		.len = len,
		.csum = slot->wire_csum,
		.count = count,
	};
	int written = express_write(ctx, &q, settings, slot->wire + off, &sel);
	if (written == INLINE_GROW_REFUSED)
		return hand_on(&q);
	PROFILE_STAGE(7);
	asm volatile("" ::: "memory");
	if (*(volatile __u32 *)&slot->sequence != sequence)
		return written ? written : XGSLB_C_dropped;
	if (written)
		return written;
	if (rotation)
		*rotation = turn + 1;
	return EXPRESS_ANSWERED(q.qtype != XGSLB_DNS_TYPE_A, selection == XGSLB_SELECT_ROTATE);
}
