/* SPDX-License-Identifier: Apache-2.0 */
/* An A or AAAA set's answer written inline (inline_response.h): the records go where the
 * client's OPT was, ours after them. */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf/inline_response.h"
#include "bpf/profile_stage.h"
#include "bpf/strategy_select.h"

/* `len` octets from `src` (a constant after inlining, a multiple of 4) to `dst`, checked by the
 * caller: 8-octet words and a last 4-octet one. */
static __always_inline void copy_words(__u8 *dst, const __u8 *src, const __u32 len)
{
#pragma unroll
	for (__u32 i = 0; i < len / 8; i++)
		((__u64 *)dst)[i] = ((const __u64 *)src)[i];
	if (len % 8)
		*(__u32 *)(dst + len - 4) = *(const __u32 *)(src + len - 4);
}

/* Records, then our OPT when the query had one, at `sec`; `len` a constant, so a bounds check of
 * the verifier's own kind covers the copy. Nonzero when the frame is shorter than that. */
static __always_inline int put_records(__u8 *sec, void *data_end, const __u8 *src, const __u32 len, __u8 has_opt,
				       const struct xgslb_settings *settings, __u32 dnssec_ok, __u32 ecs_len)
{
	if ((void *)(sec + len) > data_end)
		return -1;
	copy_words(sec, src, len);
	if (!has_opt)
		return 0;
	__u8 *o = sec + len;
	if ((void *)(o + XGSLB_OPT_RR_LEN) > data_end)
		return -1;
	put_opt(o, settings, dnssec_ok, ecs_len);
	return 0;
}

/* Writes the whole response, in the general program: the selected records of a set (sel: `len`
 * octets from `off` into `wire`, a map value holding at least off_max + len_max octets: an
 * xgslb_rrset's doubled wire), `count` records summing to `csum` at an even offset; `ecs_scope`
 * for the ECS option). Returns 0 when the frame is the response; INLINE_GROW_REFUSED or
 * pass_too_large with the frame untouched; dropped when it was resized but could not be
 * completed. `at_tail` (a constant): grow the frame at the tail (the out-of-line variant below), else at the head,
 * refusing before any work what the head cannot take (head_growth_fits). The caller has
 * checked: 0 < sel->len <= the wire max. */
static __always_inline int write_records_response(struct xdp_md *ctx, const struct dns_query *q,
						  const struct xgslb_settings *settings,
						  const __u8 *wire, const __u32 off_max, const __u32 len_max,
						  const struct selected_records *sel, const int at_tail)
{
	if (!at_tail && !head_growth_fits(ctx, q, sel->len))
		return INLINE_GROW_REFUSED;
	__u16 flags = DNS_FLAG_QR | DNS_FLAG_AA | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	__u64 plan;
	int verdict = plan_headers(ctx, q, settings, sel->len, flags, sel->count, 0, sel->csum, sel->ecs_scope, &plan,
				   ANY_DNS_OFF);
	if (verdict)
		return verdict;
	int grew = grow_at_question_end(ctx, q, sel->len, at_tail);
	if (grew != GREW_AT_HEAD && grew != GREW_AT_TAIL)
		return grew;
	__u32 len = RELOAD(sel->len);
	flags = DNS_FLAG_QR | DNS_FLAG_AA | (RELOAD(q->flags) & (DNS_FLAG_RD | DNS_FLAG_CD));
	if (apply_headers(ctx, q, plan, flags, RELOAD(sel->count), 0, ANY_DNS_OFF))
		return XGSLB_C_dropped;
	__u32 dnssec_ok = PLAN_DNSSEC_OK(plan);
	PROFILE_STAGE(7);

	__u32 off = bounded(RELOAD(sel->off), 0x3ff); /* checked after the barrier: the register the copy uses */
	if (off > off_max)
		return XGSLB_C_dropped;
	__u8 *sec = section_start(ctx, q, ANY_DNS_OFF);
	void *data_end = (void *)(long)ctx->data_end;
	__u8 has_opt = RELOAD(q->has_opt);
	__u32 ecs_len = RELOAD(q->ecs_len);
	/* The records: up to four A or AAAA, the common answers, with plain stores after one bounds
	 * check of a constant length; longer sets through the helper. */
	const __u8 *src = wire + off;
	int bad;
	switch (len) {
	case 1 * XGSLB_RR_A_LEN: bad = put_records(sec, data_end, src, 1 * XGSLB_RR_A_LEN, has_opt, settings, dnssec_ok, ecs_len); break;
	case 2 * XGSLB_RR_A_LEN: bad = put_records(sec, data_end, src, 2 * XGSLB_RR_A_LEN, has_opt, settings, dnssec_ok, ecs_len); break;
	case 3 * XGSLB_RR_A_LEN: bad = put_records(sec, data_end, src, 3 * XGSLB_RR_A_LEN, has_opt, settings, dnssec_ok, ecs_len); break;
	case 4 * XGSLB_RR_A_LEN: bad = put_records(sec, data_end, src, 4 * XGSLB_RR_A_LEN, has_opt, settings, dnssec_ok, ecs_len); break;
	case 1 * XGSLB_RR_AAAA_LEN: bad = put_records(sec, data_end, src, 1 * XGSLB_RR_AAAA_LEN, has_opt, settings, dnssec_ok, ecs_len); break;
	case 2 * XGSLB_RR_AAAA_LEN: bad = put_records(sec, data_end, src, 2 * XGSLB_RR_AAAA_LEN, has_opt, settings, dnssec_ok, ecs_len); break;
	case 3 * XGSLB_RR_AAAA_LEN: bad = put_records(sec, data_end, src, 3 * XGSLB_RR_AAAA_LEN, has_opt, settings, dnssec_ok, ecs_len); break;
	case 4 * XGSLB_RR_AAAA_LEN: bad = put_records(sec, data_end, src, 4 * XGSLB_RR_AAAA_LEN, has_opt, settings, dnssec_ok, ecs_len); break;
	default: {
		__u32 n = bounded(len, 0x3ff);
		if (n == 0 || n > len_max ||
		    bpf_xdp_store_bytes(ctx, question_end_offset(q, ANY_DNS_OFF), (void *)src, n))
			return XGSLB_C_dropped;
		bad = 0;
		if (has_opt) {
			__u8 *o = (void *)(long)ctx->data + bounded(RELOAD(q->dns_off) + RELOAD(q->question_end) + n, 0x7ff);
			if ((void *)(o + XGSLB_OPT_RR_LEN) > (void *)(long)ctx->data_end)
				return XGSLB_C_dropped;
			put_opt(o, settings, dnssec_ok, ecs_len);
		}
	}
	}
	if (bad)
		return XGSLB_C_dropped;
	/* The client's ECS option after our OPT, then our scope in it. Grown at the head, the
	 * frame has it there already; at the tail, our records overwrote it: one helper call for a
	 * length known only at run time (8 to 24 octets). */
	if (has_opt && ecs_len) {
		if (ecs_len > XGSLB_ECS_MAX_LEN)
			return XGSLB_C_dropped;
		__u32 ecs_at = bounded(RELOAD(q->dns_off) + RELOAD(q->question_end) + len + XGSLB_OPT_RR_LEN, 0x7ff);
		if (at_tail && bpf_xdp_store_bytes(ctx, ecs_at, (void *)q->ecs, ecs_len))
			return XGSLB_C_dropped;
		__u8 *scope = (void *)(long)ctx->data + bounded(ecs_at + 7, 0x7ff);
		if ((void *)(scope + 1) > (void *)(long)ctx->data_end)
			return XGSLB_C_dropped;
		*scope = RELOAD(sel->ecs_scope);
	}
	return 0;
}

/* The headline answer, lean: one of the two common layouts (FIXED_DNS_OFF_*, inline_response.h),
 * the client's OPT without options (no ECS), nothing after it, up to four A or AAAA records:
 * `dns_off` and `grow` (the records' length) are constants, one instance each. The same steps as
 * write_records_response (the same plan, move and header stores), without what those answers
 * never need: the frame's shape is checked once before anything is written, no offset is
 * re-proven after the growth but the question's end, the records and our OPT are stored after
 * one bounds check each. Measured: the general writer's checks and branches cost ~10 ns on the
 * headline query. Returns as write_records_response. */
static __always_inline int write_records_lean(struct xdp_md *ctx, const struct dns_query *q,
					      const struct xgslb_settings *settings, const __u8 *records,
					      const struct selected_records *sel, const __u32 dns_off, const __u32 grow,
					      const int has_opt)
{
	__u32 dns_len = q->question_end + (has_opt ? XGSLB_OPT_RR_LEN : 0);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + dns_off + dns_len != data_end || dns_off + q->question_end > HEAD_GAP_MOVE_MAX)
		return INLINE_GROW_REFUSED;
	if (dns_len + grow > q->max_response)
		return XGSLB_C_pass_too_large;
	__u16 flags = DNS_FLAG_QR | DNS_FLAG_AA | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	__u64 plan;
	int verdict = plan_headers(ctx, q, settings, grow, flags, sel->count, 0, sel->csum, 0, &plan, dns_off);
	if (verdict)
		return verdict;
	if (bpf_xdp_adjust_head(ctx, -(int)grow))
		return INLINE_GROW_REFUSED;
	if (close_head_gap(ctx, grow, dns_off + RELOAD(q->question_end)) ||
	    apply_headers(ctx, q, plan, flags, RELOAD(sel->count), 0, dns_off))
		return XGSLB_C_dropped;
	__u8 *sec = section_start(ctx, q, dns_off);
	if (put_records(sec, (void *)(long)ctx->data_end, records, grow, has_opt, settings, PLAN_DNSSEC_OK(plan), 0))
		return XGSLB_C_dropped;
	return 0;
}

/* The lean instance for `sel->len` octets of records at `wire` (already rotated), one per length:
 * returns from the enclosing function; falls through for a length it has no instance for. */
#define LEAN_AT(dns_off, n, has_opt)                                                                \
	case n:                                                                                    \
		return write_records_lean(ctx, q, settings, wire, sel, dns_off, n, has_opt)
#define LEAN_EVERY_LENGTH(dns_off, has_opt)                                                        \
	switch (sel->len) {                                                                        \
		LEAN_AT(dns_off, 1 * XGSLB_RR_A_LEN, has_opt);                                     \
		LEAN_AT(dns_off, 2 * XGSLB_RR_A_LEN, has_opt);                                     \
		LEAN_AT(dns_off, 3 * XGSLB_RR_A_LEN, has_opt);                                     \
		LEAN_AT(dns_off, 4 * XGSLB_RR_A_LEN, has_opt);                                     \
		LEAN_AT(dns_off, 1 * XGSLB_RR_AAAA_LEN, has_opt);                                  \
		LEAN_AT(dns_off, 2 * XGSLB_RR_AAAA_LEN, has_opt);                                  \
		LEAN_AT(dns_off, 3 * XGSLB_RR_AAAA_LEN, has_opt);                                  \
		LEAN_AT(dns_off, 4 * XGSLB_RR_AAAA_LEN, has_opt);                                  \
	}

/* The same response with the frame grown at the tail (grow_at_question_end), for what the head
 * refused: large answers, long prefixes, padded frames. Out of line, so that the program's main
 * function has one continuation after the growth: with both inlined its registers are allocated
 * differently and the name hash's loop spills (46 instead of 43 instructions an iteration,
 * ~10 ns for a 255-octet name). A call costs a few ns, paid by those answers only. */
static __noinline int write_rrset_response_at_tail(struct xdp_md *ctx, const struct dns_query *q,
						   const struct xgslb_settings *settings, const struct xgslb_rrset *rrset,
						   const struct selected_records *sel)
{
	if (!ctx || !q || !settings || !rrset || !sel)
		return INLINE_GROW_REFUSED;
	return write_records_response(ctx, q, settings, rrset->wire, XGSLB_RRSET_WIRE_MAX, XGSLB_RRSET_WIRE_MAX, sel, 1);
}

