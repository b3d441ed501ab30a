/* SPDX-License-Identifier: Apache-2.0 */
/* The per-query half of a strategy (strategies/strategy.h): which of a set's records go into
 * the answer section, and in which order. The slow path does the same from the same published
 * groups (userspace/answer_selection.cpp). */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"
#include "bpf/dns_query.h"

/* What goes into the section: `len` octets from `off` into the set's (doubled) wire, or, for
 * Weighted, the groups in an order drawn after the headers are written. */
struct selected_records {
	__u32 off;
	__u32 len;
	__u32 positive_end; /* Weighted with weight-0 groups: where they start (octets); else 0 */
	__u16 csum;
	__u16 count;
	__u16 ecs_scope;
};

/* The client's address for Geo: the ECS address when the query had one, else the source. */
static __always_inline int client_geo_key(struct xdp_md *ctx, const struct dns_query *q, struct xgslb_geo_key *key)
{
	__builtin_memset(key, 0, sizeof(*key));
	if (q->ecs_len) {
		__u32 source = q->ecs[6];
		key->family = q->ecs[5] == 1 ? XGSLB_FAMILY_IPV4 : XGSLB_FAMILY_IPV6;
		key->prefixlen = 8 + source;
		__builtin_memcpy(key->addr, q->ecs + 8, 16);
		return 0;
	}
	key->family = q->family;
	if (q->family == XGSLB_FAMILY_IPV4) {
		key->prefixlen = 8 + 32;
		return bpf_xdp_load_bytes(ctx, q->l3_off + 12, key->addr, 4);
	}
	key->prefixlen = 8 + 128;
	return bpf_xdp_load_bytes(ctx, q->l3_off + 8, key->addr, 16);
}

/* Geo: the group of the client's region; every record when no group is (or nothing matched).
 * The ECS scope is the matched prefix's length, or the whole source length when none matched. */
static __always_inline int select_geo(struct xdp_md *ctx, const struct dns_query *q, const struct xgslb_rrset *rrset,
				      struct selected_records *sel)
{
	struct xgslb_geo_key key;
	if (client_geo_key(ctx, q, &key))
		return -1;
	struct xgslb_geo_region *match = bpf_map_lookup_elem(&xgslb_geo, &key);
	sel->ecs_scope = match ? match->prefix_len : key.prefixlen - 8;
	if (!match)
		return 0;
	__u32 groups = rrset->group_count;
	for (__u32 i = 0; i < XGSLB_MAX_GROUPS; i++) {
		if (i >= groups)
			break;
		const struct xgslb_rrset_group *g = &rrset->groups[i];
		if (g->region != match->region)
			continue;
		sel->off = (__u32)g->first * rrset->record_len;
		sel->len = (__u32)g->count * rrset->record_len;
		sel->csum = g->wire_csum;
		sel->count = g->count;
		return 0;
	}
	return 0;
}

/* Weighted: the first group drawn with probability weight / total; groups are published with
 * positive weights first (strategies/strategy.cpp), so the others follow by wrapping around,
 * and weight-0 groups come last. */
static __always_inline int select_weighted(const struct xgslb_rrset *rrset, struct selected_records *sel)
{
	__u32 groups = rrset->group_count, total = rrset->weight_total;
	__u32 draw = total ? bpf_get_prandom_u32() % total : 0;
	__u32 first = 0, positive_records = 0, picked = 0;
	for (__u32 i = 0; i < XGSLB_MAX_GROUPS; i++) {
		if (i >= groups)
			break;
		const struct xgslb_rrset_group *g = &rrset->groups[i];
		if (!g->weight)
			break;
		positive_records = (__u32)g->first + g->count;
		if (picked)
			continue;
		if (draw < g->weight) {
			first = g->first;
			picked = 1;
		} else {
			draw -= g->weight;
		}
	}
	sel->off = first * rrset->record_len;
	__u32 positive_end = positive_records * rrset->record_len;
	if (positive_end < rrset->wire_len)
		sel->positive_end = positive_end;
	return 0;
}

/* Decides what a set's answer holds; returns nonzero when the set cannot be answered here. */
static __always_inline int select_records(struct xdp_md *ctx, const struct dns_query *q,
					  const struct xgslb_rrset *rrset, struct selected_records *sel)
{
	sel->off = 0;
	sel->len = rrset->wire_len;
	sel->csum = rrset->wire_csum;
	sel->count = rrset->count;
	sel->ecs_scope = 0;
	sel->positive_end = 0;
	switch (rrset->selection) {
	case XGSLB_SELECT_ROTATE: {
		__u32 zero = 0;
		__u32 *counter = bpf_map_lookup_elem(&xgslb_rotation, &zero);
		if (!counter || !rrset->count)
			return -1;
		/* A division costs tens of cycles; for the usual power-of-two counts the remainder is a
		 * mask, the same value. */
		__u32 c = (*counter)++, count = rrset->count;
		__u32 start = (count & (count - 1)) ? c % count : c & (count - 1);
		sel->off = start * rrset->record_len;
		return 0;
	}
	case XGSLB_SELECT_WEIGHTED:
		return select_weighted(rrset, sel);
	case XGSLB_SELECT_GEO:
		return select_geo(ctx, q, rrset, sel);
	default:
		return 0;
	}
}

/* `len` octets (a constant after inlining, a multiple of 4) from `src` to the frame at `at`,
 * in 8-octet words and a last 4-octet one. */
static __always_inline int copy_to_packet(struct xdp_md *ctx, __u32 at, const __u8 *src, const __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *dst = data + bounded(at, 0x7ff);
	if ((void *)(dst + len) > data_end)
		return -1;
#pragma unroll
	for (__u32 i = 0; i < len / 8; i++)
		((__u64 *)dst)[i] = ((const __u64 *)src)[i];
	if (len % 8)
		*(__u32 *)(dst + len - 4) = *(const __u32 *)(src + len - 4);
	return 0;
}

/* Copies `len` octets from `off` into the set's wire to the frame at `at`. */
static __always_inline int store_records(struct xdp_md *ctx, __u32 at, const struct xgslb_rrset *rrset, __u32 off,
					 __u32 len)
{
	/* Checked after the barrier, so the verifier sees the bound on the register actually used:
	 * off + len stays within the doubled wire. */
	off = bounded(off, 0x3ff);
	len = bounded(len, 0x3ff);
	if (off > XGSLB_RRSET_WIRE_MAX || len == 0 || len > XGSLB_RRSET_WIRE_MAX)
		return -1;
	const __u8 *src = rrset->wire + off;
	/* Up to four A or AAAA records, the common answers: plain stores after one bounds check
	 * of a length the verifier knows, instead of a helper call and its memcpy (8-12 ns less
	 * for four A records, measured interleaved); longer sets take the helper. */
	switch (len) {
	case 1 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, src, 1 * XGSLB_RR_A_LEN);
	case 2 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, src, 2 * XGSLB_RR_A_LEN);
	case 3 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, src, 3 * XGSLB_RR_A_LEN);
	case 4 * XGSLB_RR_A_LEN: return copy_to_packet(ctx, at, src, 4 * XGSLB_RR_A_LEN);
	case 1 * XGSLB_RR_AAAA_LEN: return copy_to_packet(ctx, at, src, 1 * XGSLB_RR_AAAA_LEN);
	case 2 * XGSLB_RR_AAAA_LEN: return copy_to_packet(ctx, at, src, 2 * XGSLB_RR_AAAA_LEN);
	case 3 * XGSLB_RR_AAAA_LEN: return copy_to_packet(ctx, at, src, 3 * XGSLB_RR_AAAA_LEN);
	case 4 * XGSLB_RR_AAAA_LEN: return copy_to_packet(ctx, at, src, 4 * XGSLB_RR_AAAA_LEN);
	}
	return bpf_xdp_store_bytes(ctx, bounded(at, 0x7ff), (void *)src, len);
}

/* Weighted's records: positive-weight groups first from the drawn one, wrapping around, then
 * the weight-0 groups. Without weight-0 groups that is one rotation (one copy from the doubled
 * wire); with them, up to three copies. */
static __always_inline int store_weighted(struct xdp_md *ctx, __u32 at, const struct xgslb_rrset *rrset, __u32 start,
					  __u32 positive_end)
{
	__u32 all = rrset->wire_len;
	if (start > positive_end || positive_end > all)
		return -1;
	if (positive_end > start) {
		if (store_records(ctx, at, rrset, start, positive_end - start))
			return -1;
		at += positive_end - start;
	}
	if (start) {
		if (store_records(ctx, at, rrset, 0, start))
			return -1;
		at += start;
	}
	if (all > positive_end && store_records(ctx, at, rrset, positive_end, all - positive_end))
		return -1;
	return 0;
}
