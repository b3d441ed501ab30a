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
#include "bpf/express_answer.h"
#include "bpf/express_table.h"
#include "bpf/packet_headers.h"
#include "bpf/profile_stage.h"
#include "bpf/negative_response.h"
#include "bpf/records_response.h"
#include "bpf/strategy_select.h"
#include "bpf/rrl.h"
#include "bpf/verdict_action.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* A negative answer: rcode, no answers, the zone's SOA (owner = the apex inside the question)
 * in the authority section. Written inline (negative_response.h) unless the query has an ECS
 * option or the frame cannot grow there (inline_response.h: grow_at_question_end). */
static __always_inline enum xgslb_counter answer_negative(struct xdp_md *ctx, const struct xgslb_settings *settings,
							  const struct dns_query *q, __u32 zone_id, __u16 rcode,
							  enum xgslb_counter kind)
{
	struct xgslb_zone *zone = bpf_map_lookup_elem(&xgslb_zones, &zone_id);
	if (!zone || zone->apex_len > q->name_len)
		return XGSLB_C_pass_not_in_zone;
	if (rcode == DNS_RCODE_NXDOMAIN && (zone->flags & XGSLB_ZONE_HAS_WILDCARD))
		return XGSLB_C_pass_wildcard_zone;
	__u32 len = READ_SCRATCH(zone->soa_wire_len);
	if (len == 0 || len > XGSLB_SOA_WIRE_MAX)
		return XGSLB_C_pass_not_in_zone;
	if (!q->ecs_len) {
		int verdict = write_negative_response(ctx, q, settings, zone, rcode, 0);
		if (verdict == INLINE_GROW_REFUSED)
			verdict = write_negative_response_at_tail(ctx, q, settings, zone, rcode);
		if (verdict != INLINE_GROW_REFUSED)
			return verdict ? verdict : kind;
	}
	__u16 owner = 0xc000 | (sizeof(struct dns_header) + q->name_len - zone->apex_len);
	struct dns_answer a = {
		.udp_payload_size = settings->udp_payload_size,
		.section_len = len,
		.section_csum = csum_fold((__u64)owner + zone->soa_wire_csum),
		.soa_owner = owner,
		.rcode = rcode,
		.nscount = 1,
	};
	int verdict = write_response(ctx, q, &a);
	if (verdict)
		return verdict;
	if (store_section(ctx, q, &a, zone->soa_wire, len))
		return XGSLB_C_dropped;
	return kind;
}

/* The answer section of an A or AAAA set. */
static __always_inline enum xgslb_counter answer_rrset(struct xdp_md *ctx, const struct xgslb_settings *settings,
						       const struct dns_query *q, const struct xgslb_rrset *rrset)
{
	if (rrset->check != q->hash.check)
		return XGSLB_C_pass_hash_check;
	struct selected_records sel;
	if (select_records(ctx, q, rrset, &sel))
		return XGSLB_C_pass_name_flags;
	PROFILE_STAGE(6);
	__u32 len = READ_SCRATCH(sel.len);
	if (len == 0 || len > XGSLB_RRSET_WIRE_MAX)
		return XGSLB_C_pass_name_flags;
	enum xgslb_counter answered =
		(q->qtype == XGSLB_DNS_TYPE_A ? XGSLB_C_answered_a : XGSLB_C_answered_aaaa) |
		VERDICT_STRATEGY(rrset->selection <= XGSLB_SELECT_GEO ? rrset->selection : XGSLB_SELECT_FIXED);
	/* The common case in one inline pass; Weighted's weight-0 groups and frames the inline
	 * writer cannot grow take the general writer. */
	if (!sel.positive_end) {
		int verdict = write_records_response(ctx, q, settings, rrset->wire, XGSLB_RRSET_WIRE_MAX,
						     XGSLB_RRSET_WIRE_MAX, &sel, 0);
		if (verdict == INLINE_GROW_REFUSED)
			verdict = write_rrset_response_at_tail(ctx, q, settings, rrset, &sel);
		if (verdict != INLINE_GROW_REFUSED)
			return verdict ? verdict : answered;
	}
	struct dns_answer a = {
		.udp_payload_size = settings->udp_payload_size,
		.section_len = len,
		.section_csum = sel.csum,
		.ancount = sel.count,
		.ecs_scope = sel.ecs_scope,
	};
	int verdict = write_response(ctx, q, &a);
	if (verdict)
		return verdict;
	PROFILE_STAGE(7);
	__u32 at = section_offset(q, &a);
	if (sel.positive_end ? store_weighted(ctx, at, rrset, sel.off, sel.positive_end)
			     : store_records(ctx, at, rrset, sel.off, len))
		return XGSLB_C_dropped;
	return answered;
}

/* A name we hold exists, so a type it lacks is NODATA (RFC 8020: empty non-terminals too). */
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
	return answer_negative(ctx, settings, q, name->zone_id, 0, XGSLB_C_answered_nodata);
}

/* The name does not exist: walk up its suffixes to the closest existing ancestor. Empty
 * non-terminals and apexes are in xgslb_names, so that ancestor tells the zone; if it is a
 * zone cut, or nothing is found within XGSLB_MAX_SUFFIX_PROBES labels, the slow path decides.
 * The loop only finds the zone; the answer is built once, after it. Each suffix's start is found
 * here, one label at a time (name_suffix_at), not recorded by the label walk of every query. */
static __always_inline enum xgslb_counter answer_missing(struct xdp_md *ctx, const struct xgslb_settings *settings,
							 const struct dns_query *q)
{
	__u32 zone_id = 0;
	__u32 at = 0;

	for (__u32 i = 0; i < XGSLB_MAX_SUFFIX_PROBES; i++) {
		at = name_suffix_at(ctx, q, at);
		if (at == 0)
			break;
		if (at >= q->name_len)
			return XGSLB_C_pass_malformed;
		struct xgslb_name_hash h;
		xgslb_hash_init(&h, settings->hash_seed);
		if (hash_name_at(ctx, q->dns_off + sizeof(struct dns_header) + at, q->name_len - at, &h))
			return XGSLB_C_pass_malformed;
		struct xgslb_name_key key = { .hash = h.hash };
		struct xgslb_name *ancestor = bpf_map_lookup_elem(&xgslb_names, &key);
		if (!ancestor)
			continue;
		if (ancestor->check != h.check)
			return XGSLB_C_pass_hash_check;
		if (ancestor->flags & (XGSLB_NAME_PASS | XGSLB_NAME_DELEGATION))
			return XGSLB_C_pass_name_flags;
		zone_id = ancestor->zone_id;
		break;
	}
	if (!zone_id)
		return XGSLB_C_pass_not_in_zone;
	return answer_negative(ctx, settings, q, zone_id, DNS_RCODE_NXDOMAIN, XGSLB_C_answered_nxdomain);
}

/* The question's two-lane name hash (maps/name_hash.h), which keys xgslb_rrsets and
 * xgslb_names: computed only once the express table missed (a hit never needs it), after the
 * rate limit's decision. */
static __always_inline int hash_question(struct xdp_md *ctx, const struct xgslb_settings *settings,
					 struct dns_query *q)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (q->dns_off > DNS_OFF_MASK || q->name_len == 0 || q->name_len > XGSLB_NAME_WIRE_MAX)
		return -1;
	const __u8 *qname = data + bounded(q->dns_off, DNS_OFF_MASK) + sizeof(struct dns_header);
	xgslb_hash_init(&q->hash, settings->hash_seed);
	return hash_wire_name(qname, data_end, q->name_len, &q->hash);
}

/* Everything the express program (below) does not answer, from the start: parse, label walk,
 * question, rate limit, then xgslb_rrsets and xgslb_names. */
static __always_inline enum xgslb_counter answer_query(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct xgslb_settings *settings = bpf_map_lookup_elem(&xgslb_settings, &zero);
	if (!settings)
		return XGSLB_C_pass_not_ip;
	const struct xgslb_listen_set *listen_set = published_listen_set();

	PROFILE_STAGE(0);
	struct dns_query q;
	enum xgslb_counter verdict;
	struct xgslb_scratch *scratch = bpf_map_lookup_elem(&xgslb_scratch, &zero);
	if (!scratch)
		return XGSLB_C_pass_not_ip;
	/* The express program may have checked the headers as parse_headers does and left what it
	 * would store (bpf/express_answer.h: hand_on); read once. Both ways end with the source in
	 * the scratch map, so that the verifier sees one state after them, not one per way. */
	if (scratch->headers_checked) {
		scratch->headers_checked = 0;
	} else {
		verdict = parse_headers(ctx, listen_set, scratch, &q.source);
		if (verdict != XGSLB_COUNTER_COUNT)
			return verdict;
		scratch->source_port = q.source.port;
		__builtin_memcpy(scratch->source_addr, q.source.addr, sizeof(scratch->source_addr));
	}
	q.source.port = READ_SCRATCH(scratch->source_port);
	__builtin_memcpy(q.source.addr, scratch->source_addr, sizeof(q.source.addr));
	PROFILE_STAGE(1);
	verdict = walk_question_name(ctx, scratch, &q);
	if (verdict != XGSLB_COUNTER_COUNT)
		return verdict;
	PROFILE_STAGE(2);
	verdict = read_question(ctx, scratch, settings, &q);
	if (verdict != XGSLB_COUNTER_COUNT)
		return verdict;
	PROFILE_STAGE(3);
	verdict = limit_response(ctx, settings, &q, listen_set);
	if (verdict != RRL_GO_ON)
		return verdict;
	PROFILE_STAGE(4);

	/* No express table here: every set it holds is in xgslb_rrsets too (userspace/publisher.cpp
	 * writes a set there first and erases it there last), and the express program has probed the
	 * table already for every query shaped so that it could. */
	if (hash_question(ctx, settings, &q))
		return XGSLB_C_pass_malformed;
	if (q.qtype == XGSLB_DNS_TYPE_A || q.qtype == XGSLB_DNS_TYPE_AAAA) {
		struct xgslb_rrset_key key = { .name_hash = q.hash.hash, .qtype = q.qtype };
		struct xgslb_rrset *rrset = bpf_map_lookup_elem(&xgslb_rrsets, &key);
		if (rrset) {
			PROFILE_STAGE(5);
			return answer_rrset(ctx, settings, &q, rrset);
		}
	}
	struct xgslb_name_key key = { .hash = q.hash.hash };
	struct xgslb_name *name = bpf_map_lookup_elem(&xgslb_names, &key);
	if (name)
		return answer_existing(ctx, settings, &q, name);
	return answer_missing(ctx, settings, &q);
}

/* This CPU's counters (struct xgslb_stats as an array) with the packet counted as seen; NULL
 * only if the map has no entry. Looked up after the query, not before: a pointer held through
 * the whole parse takes one of the four registers that survive calls, and the parse then spills
 * what it needs. */
static __always_inline __u64 *counters_of_seen_packet(void)
{
	__u32 zero = 0;
	struct xgslb_stats *stats = bpf_map_lookup_elem(&xgslb_stats, &zero);
	if (!stats)
		return 0;
	stats->packets_seen++;
	return (__u64 *)stats;
}

/* The verdict counted and turned into the XDP action: the general program ends here, and the
 * express program on everything but its answers (count_express_answer). */
static __always_inline int count_verdict(enum xgslb_counter verdict)
{
	__u64 *counters = counters_of_seen_packet();
	if (!counters)
		return XDP_PASS;
	/* Verdicts from global functions are unknown to the verifier: the indices are bounded here,
	 * as 64-bit values (no zero-extension after the barrier). */
	__u64 index = (__u32)verdict;
	/* Relative to the first strategy counter, so that one unsigned compare bounds it: 0 (no
	 * strategy) wraps around to the top. */
	__u64 strategy = (index >> VERDICT_STRATEGY_SHIFT) - XGSLB_C_strategy_fixed;
	index &= VERDICT_INDEX_MASK;
	asm volatile("" : "+r"(index), "+r"(strategy));
	if (index >= XGSLB_COUNTER_COUNT)
		return XDP_PASS;
	counters[index]++;
	if (strategy <= XGSLB_C_strategy_geo - XGSLB_C_strategy_fixed)
		counters[XGSLB_C_strategy_fixed + strategy]++;
	return xgslb_verdict_action(index);
}

/* An answer of the express program (EXPRESS_ANSWERED: `kind` = 2 x aaaa + rotate) counted as
 * count_verdict would count it, with the counters' choice made by two bits: no verdict to
 * decode, bound and look up an action for (measured: -2 to -4 ns on the headline query). */
_Static_assert(XGSLB_C_answered_aaaa == XGSLB_C_answered_a + 1, "count_express_answer: AAAA's counter after A's");
_Static_assert(XGSLB_C_strategy_fixed + XGSLB_SELECT_ROTATE == XGSLB_C_strategy_rotate,
	       "count_express_answer: the strategy counters in selection order");
static __always_inline int count_express_answer(__u32 kind)
{
	__u64 *counters = counters_of_seen_packet();
	if (!counters)
		return XDP_TX;
	counters[XGSLB_C_answered_a + ((kind >> 1) & 1)]++;
	counters[XGSLB_C_strategy_fixed + (kind & 1)]++;
	return XDP_TX;
}

/* The general program: the express program's tail call on anything it does not answer. */
SEC("xdp")
int xgslb_general(struct xdp_md *ctx)
{
	return count_verdict(answer_query(ctx));
}

/* The express program's way on: xgslb_general, put here by libbpf when the object loads. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__array(values, int(struct xdp_md *));
} xgslb_programs SEC(".maps") = {
	.values = { [0] = (void *)&xgslb_general },
};

/* The program attached to the interfaces (XGSLB_PROG_NAME): answers the common query from the
 * express table (bpf/express_answer.h) and hands every other frame, untouched, to xgslb_general.
 * Two programs, not one with two branches: each is verified and compiled on its own, so the
 * common query's code keeps its values in registers and inlines the rate limit, which in one
 * program would be verified once per path of the general code. */
SEC("xdp")
int xgslb_xdp(struct xdp_md *ctx)
{
	enum xgslb_counter verdict = answer_from_express_table(ctx);
	if (verdict >= EXPRESS_ANSWERED_FIRST)
		return count_express_answer(verdict - EXPRESS_ANSWERED_FIRST);
	if (verdict == EXPRESS_NOT_MINE) {
		bpf_tail_call(ctx, &xgslb_programs, 0);
		verdict = XGSLB_C_pass_no_general; /* only if the program array was emptied */
	}
	return count_verdict(verdict);
}
