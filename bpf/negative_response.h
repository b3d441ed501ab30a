/* SPDX-License-Identifier: Apache-2.0 */
/* A negative answer (NODATA, NXDOMAIN) written inline (inline_response.h): the owner pointer to
 * the zone apex inside the question and the zone's SOA record go where the client's OPT was,
 * ours after them. */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/inline_response.h"

/* The SOA record as the zone's map value holds it (10 octets of type, class, TTL and length,
 * MNAME, RNAME, 20 octets of numbers) is stored inline, a word at a time, up to this length:
 * every zone whose two names are of usual length (up to 98 octets together). A helper call costs
 * more (measured: NODATA -14 to -22 ns, NXDOMAIN -13 to -25 ns). */
#define SOA_INLINE_MAX 128

/* `len` (8..SOA_INLINE_MAX) octets from `src` (a map value at least SOA_INLINE_MAX long) to
 * `dst`: whole words, then one word ending at `len`, overlapping the last. Nonzero when the frame
 * ends before dst + len. */
static __always_inline int copy_soa_words(__u8 *dst, void *data_end, const __u8 *src, __u32 len)
{
	if (len < 8)
		return -1;
#pragma unroll
	for (__u32 i = 0; i < SOA_INLINE_MAX / 8; i++) {
		if (8 * i + 8 > len)
			break;
		if ((void *)(dst + 8 * i + 8) > data_end)
			return -1;
		*(__u64 *)(dst + 8 * i) = *(const __u64 *)(src + 8 * i);
	}
	__u32 last = bounded(len - 8, SOA_INLINE_MAX - 1);
	if ((void *)(dst + last + 8) > data_end)
		return -1;
	*(__u64 *)(dst + last) = *(const __u64 *)(src + last);
	return 0;
}

/* Returns 0 when the frame is the response; INLINE_GROW_REFUSED or pass_too_large with the frame
 * untouched; dropped when it was resized but could not be completed. `at_tail` as for
 * write_records_response. The caller has checked: no ECS option, 0 < the SOA's length <=
 * XGSLB_SOA_WIRE_MAX, the apex within QNAME. */
static __always_inline int write_negative_response(struct xdp_md *ctx, const struct dns_query *q,
						   const struct xgslb_settings *settings,
						   const struct xgslb_zone *zone, __u16 rcode, const int at_tail)
{
	__u32 len = zone->soa_wire_len;
	if (!at_tail && !head_growth_fits(ctx, q, 2 + len))
		return INLINE_GROW_REFUSED;
	__u16 owner = 0xc000 | (sizeof(struct dns_header) + q->name_len - zone->apex_len);
	__u16 flags = DNS_FLAG_QR | DNS_FLAG_AA | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD)) | rcode;
	__u64 plan;
	int verdict = plan_headers(ctx, q, settings, 2 + len, flags, 0, 1,
				   csum_fold((__u64)owner + zone->soa_wire_csum), 0, &plan, ANY_DNS_OFF);
	if (verdict)
		return verdict;
	/* Either way it grows, our OPT is written whole: nothing else of the client's is kept. */
	verdict = grow_at_question_end(ctx, q, 2 + len, at_tail);
	if (verdict != GREW_AT_HEAD && verdict != GREW_AT_TAIL)
		return verdict;
	len = bounded(RELOAD(zone->soa_wire_len), 0x3ff); /* checked after the barrier: the helper's length */
	if (len == 0 || len > XGSLB_SOA_WIRE_MAX)
		return XGSLB_C_dropped;
	owner = 0xc000 | (sizeof(struct dns_header) + RELOAD(q->name_len) - RELOAD(zone->apex_len));
	flags = DNS_FLAG_QR | DNS_FLAG_AA | (RELOAD(q->flags) & (DNS_FLAG_RD | DNS_FLAG_CD)) | rcode;
	if (apply_headers(ctx, q, plan, flags, 0, 1, ANY_DNS_OFF))
		return XGSLB_C_dropped;
	__u32 dnssec_ok = PLAN_DNSSEC_OK(plan);

	__u8 *sec = section_start(ctx, q, ANY_DNS_OFF);
	if ((void *)(sec + 2) > (void *)(long)ctx->data_end)
		return XGSLB_C_dropped;
	*(__be16 *)sec = bpf_htons(owner);
	__u32 soa_at = RELOAD(q->dns_off) + RELOAD(q->question_end) + 2;
	if (len <= SOA_INLINE_MAX) {
		if (copy_soa_words(sec + 2, (void *)(long)ctx->data_end, zone->soa_wire, len))
			return XGSLB_C_dropped;
	} else {
		/* A longer SOA (up to 540 octets): one helper call, as store_section. */
		if (bpf_xdp_store_bytes(ctx, bounded(soa_at, 0x3ff), (void *)zone->soa_wire, len))
			return XGSLB_C_dropped;
	}
	if (RELOAD(q->has_opt)) {
		__u8 *o = (void *)(long)ctx->data + bounded(soa_at + len, 0x7ff);
		if ((void *)(o + XGSLB_OPT_RR_LEN) > (void *)(long)ctx->data_end)
			return XGSLB_C_dropped;
		put_opt(o, settings, dnssec_ok, 0);
	}
	return 0;
}

/* At the tail, out of line: see write_rrset_response_at_tail (records_response.h). */
static __noinline int write_negative_response_at_tail(struct xdp_md *ctx, const struct dns_query *q,
						      const struct xgslb_settings *settings,
						      const struct xgslb_zone *zone, __u16 rcode)
{
	if (!ctx || !q || !settings || !zone)
		return INLINE_GROW_REFUSED;
	__u32 len = zone->soa_wire_len;
	if (len == 0 || len > XGSLB_SOA_WIRE_MAX || zone->apex_len > q->name_len)
		return INLINE_GROW_REFUSED;
	return write_negative_response(ctx, q, settings, zone, rcode, 1);
}
