/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xgslb's XDP program: answers standard A/AAAA queries for the names it holds, and the negative
 * answers (NODATA, NXDOMAIN) of the zones it serves, straight from the maps; passes everything
 * else to the kernel stack, where xgslbd's slow path answers it from the same data. It either
 * passes a query or answers exactly what the slow path would (DESIGN.md, the one invariant).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf/bpf_maps.h"
#include "bpf/dns_query.h"
#include "bpf/dns_response.h"
#include "bpf/packet_headers.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline __u16 section_sum(__u16 owner, __u16 rest)
{
	return csum_fold((__u64)owner + rest);
}

/* A negative answer: rcode, no answers, the zone's SOA (owner = the apex inside the question,
 * at `apex_at` octets into QNAME) in the authority section. */
static __always_inline enum xgslb_counter answer_negative(struct xdp_md *ctx, const struct xgslb_settings *settings,
							  const struct dns_query *q, __u32 zone_id, __u32 apex_at,
							  __u16 rcode, enum xgslb_counter kind)
{
	struct xgslb_zone *zone = bpf_map_lookup_elem(&xgslb_zones, &zone_id);
	if (!zone)
		return XGSLB_C_pass_not_in_zone;
	if (rcode == DNS_RCODE_NXDOMAIN && (zone->flags & XGSLB_ZONE_HAS_WILDCARD))
		return XGSLB_C_pass_wildcard_zone;
	__u32 len = READ_SCRATCH(zone->soa_wire_len);
	if (len == 0 || len > XGSLB_SOA_WIRE_MAX || apex_at > XGSLB_NAME_WIRE_MAX)
		return XGSLB_C_pass_not_in_zone;
	__u16 owner = 0xc000 | (sizeof(struct dns_header) + apex_at);
	struct dns_answer a = {
		.section_len = len,
		.section_csum = section_sum(owner, zone->soa_wire_csum),
		.soa_owner = owner,
		.rcode = rcode,
		.nscount = 1,
	};
	enum xgslb_counter verdict = write_response(ctx, settings, q, &a, kind);
	if (verdict == kind && store_section(ctx, q, &a, zone->soa_wire, len))
		return XGSLB_C_dropped;
	return verdict;
}

/* NODATA for a name we hold: it exists, but not with this type. */
static __always_inline enum xgslb_counter answer_existing(struct xdp_md *ctx, const struct xgslb_settings *settings,
							  const struct dns_query *q, const struct xgslb_name *name)
{
	if (name->check != q->hash.check)
		return XGSLB_C_pass_hash_check;
	if (name->flags & (XGSLB_NAME_PASS | XGSLB_NAME_DELEGATION))
		return XGSLB_C_pass_name_flags;
	if ((name->flags & XGSLB_NAME_OTHER_TYPES) && q->qtype != XGSLB_DNS_TYPE_A &&
	    q->qtype != XGSLB_DNS_TYPE_AAAA)
		return XGSLB_C_pass_name_flags;
	__u32 zone_id = name->zone_id;
	struct xgslb_zone *zone = bpf_map_lookup_elem(&xgslb_zones, &zone_id);
	if (!zone || zone->apex_len > q->name_len)
		return XGSLB_C_pass_not_in_zone;
	return answer_negative(ctx, settings, q, zone_id, q->name_len - zone->apex_len, 0, XGSLB_C_answered_nodata);
}

/* The name does not exist: walk up its suffixes to the closest existing ancestor. Empty
 * non-terminals and apexes are in xgslb_names, so that ancestor tells the zone; if it is a
 * zone cut, or nothing is found within XGSLB_MAX_SUFFIX_PROBES labels, the slow path decides. */
static __always_inline enum xgslb_counter answer_missing(struct xdp_md *ctx, struct xgslb_scratch *scratch,
							 const struct xgslb_settings *settings, const struct dns_query *q)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *qname = data + bounded(q->dns_off, DNS_OFF_MASK) + sizeof(struct dns_header);
	__u32 probes = READ_SCRATCH(scratch->suffix_count);

	for (__u32 i = 0; i < XGSLB_MAX_SUFFIX_PROBES; i++) {
		if (i >= probes)
			break;
		__u32 at = scratch->suffix_off[i];
		if (at >= q->name_len)
			return XGSLB_C_pass_malformed;
		struct xgslb_name_hash h;
		if (hash_wire_name(qname + bounded(at, XGSLB_NAME_WIRE_MAX), bounded(q->name_len - at, XGSLB_NAME_WIRE_MAX), data_end, settings->hash_seed, &h))
			return XGSLB_C_pass_malformed;
		struct xgslb_name_key key = { .hash = h.hash };
		struct xgslb_name *ancestor = bpf_map_lookup_elem(&xgslb_names, &key);
		if (!ancestor)
			continue;
		if (ancestor->check != h.check)
			return XGSLB_C_pass_hash_check;
		if (ancestor->flags & (XGSLB_NAME_PASS | XGSLB_NAME_DELEGATION))
			return XGSLB_C_pass_name_flags;
		__u32 zone_id = ancestor->zone_id;
		struct xgslb_zone *zone = bpf_map_lookup_elem(&xgslb_zones, &zone_id);
		if (!zone || zone->apex_len > q->name_len)
			return XGSLB_C_pass_not_in_zone;
		return answer_negative(ctx, settings, q, zone_id, q->name_len - zone->apex_len, DNS_RCODE_NXDOMAIN,
				       XGSLB_C_answered_nxdomain);
	}
	return XGSLB_C_pass_not_in_zone;
}

static __always_inline enum xgslb_counter answer_query(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct xgslb_scratch *scratch = bpf_map_lookup_elem(&xgslb_scratch, &zero);
	struct xgslb_settings *settings = bpf_map_lookup_elem(&xgslb_settings, &zero);
	if (!scratch || !settings)
		return XGSLB_C_pass_not_ip;

	enum xgslb_counter verdict = parse_headers(ctx, scratch);
	if (verdict != XGSLB_COUNTER_COUNT)
		return verdict;
	verdict = walk_question_name(ctx, scratch);
	if (verdict != XGSLB_COUNTER_COUNT)
		return verdict;
	struct dns_query q;
	verdict = read_question(ctx, scratch, settings, &q);
	if (verdict != XGSLB_COUNTER_COUNT)
		return verdict;

	if (q.qtype == XGSLB_DNS_TYPE_A || q.qtype == XGSLB_DNS_TYPE_AAAA) {
		struct xgslb_rrset_key key = { .name_hash = q.hash.hash, .qtype = q.qtype };
		struct xgslb_rrset *rrset = bpf_map_lookup_elem(&xgslb_rrsets, &key);
		if (rrset) {
			if (rrset->check != q.hash.check)
				return XGSLB_C_pass_hash_check;
			__u32 len = READ_SCRATCH(rrset->wire_len);
			if (len == 0 || len > XGSLB_RRSET_WIRE_MAX)
				return XGSLB_C_pass_name_flags;
			struct dns_answer a = {
				.section_len = len,
				.section_csum = rrset->wire_csum,
				.ancount = rrset->count,
			};
			enum xgslb_counter kind =
				q.qtype == XGSLB_DNS_TYPE_A ? XGSLB_C_answered_a : XGSLB_C_answered_aaaa;
			verdict = write_response(ctx, settings, &q, &a, kind);
			if (verdict == kind && store_section(ctx, &q, &a, rrset->wire, len))
				return XGSLB_C_dropped;
			return verdict;
		}
	}
	struct xgslb_name_key key = { .hash = q.hash.hash };
	struct xgslb_name *name = bpf_map_lookup_elem(&xgslb_names, &key);
	if (name)
		return answer_existing(ctx, settings, &q, name);
	return answer_missing(ctx, scratch, settings, &q);
}

SEC("xdp")
int xgslb_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct xgslb_stats *stats = bpf_map_lookup_elem(&xgslb_stats, &zero);
	if (!stats)
		return XDP_PASS;
	__u64 *counters = (__u64 *)stats;
	enum xgslb_counter verdict = answer_query(ctx);

	stats->packets_seen++;
	if (verdict < XGSLB_COUNTER_COUNT)
		counters[verdict]++;
	switch (verdict) {
	case XGSLB_C_answered_a:
	case XGSLB_C_answered_aaaa:
	case XGSLB_C_answered_nodata:
	case XGSLB_C_answered_nxdomain:
		return XDP_TX;
	case XGSLB_C_dropped:
		return XDP_DROP;
	default:
		return XDP_PASS;
	}
}
