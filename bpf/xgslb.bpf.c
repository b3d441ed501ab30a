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
#include "bpf/express_lane.h"
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

/* The answer section of a set found in the express table: the same message answer_rrset
 * builds from the set's xgslb_rrsets entry, written by the same inline writer from the copy the
 * seqlock read made (already rotated: no offset into it); a frame the inline writer cannot grow
 * takes the general writer. */
static __always_inline enum xgslb_counter answer_express(struct xdp_md *ctx, const struct xgslb_settings *settings,
							 const struct dns_query *q, const struct express_answer *ex)
{
	PROFILE_STAGE(6);
	struct selected_records sel = {
		.len = ex->len,
		.csum = ex->csum,
		.count = ex->count,
	};
	enum xgslb_counter answered =
		(q->qtype == XGSLB_DNS_TYPE_A ? XGSLB_C_answered_a : XGSLB_C_answered_aaaa) |
		VERDICT_STRATEGY(ex->selection == XGSLB_SELECT_ROTATE ? XGSLB_SELECT_ROTATE : XGSLB_SELECT_FIXED);
	int verdict = write_records_response(ctx, q, settings, (const __u8 *)ex->records, 0, XGSLB_EXPRESS_WIRE_MAX, &sel, 0);
	if (verdict == INLINE_GROW_REFUSED)
		verdict = write_express_response_at_tail(ctx, q, settings, (const __u8 *)ex->records, &sel);
	if (verdict != INLINE_GROW_REFUSED)
		return verdict ? verdict : answered;
	struct dns_answer a = {
		.udp_payload_size = settings->udp_payload_size,
		.section_len = ex->len,
		.section_csum = ex->csum,
		.ancount = ex->count,
	};
	verdict = write_response(ctx, q, &a);
	if (verdict)
		return verdict;
	if (express_store(ctx, section_offset(q, &a), ex))
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
	/* The common query's way (bpf/express_lane.h); any other query, or any doubt, takes the
	 * general path below from the start, as if the lane were not there. */
	struct lane_miss miss = {};
	const struct express_answer *lane = express_lane(ctx, settings, listen_set, &q, &miss);
	if (lane) {
		/* The profile's stages 1-3 are the lane as a whole here, its copy of the set included. */
		PROFILE_STAGE(1);
		PROFILE_STAGE(2);
		PROFILE_STAGE(3);
	} else {
		/* Only the general path keeps its offsets in the scratch map. */
		struct xgslb_scratch *scratch = bpf_map_lookup_elem(&xgslb_scratch, &zero);
		if (!scratch)
			return XGSLB_C_pass_not_ip;
		if (miss.dns_len) {
			/* The lane checked the headers as parse_headers does: what it would store. */
			scratch->l3_off = q.l3_off;
			scratch->dns_off = q.dns_off;
			scratch->dns_len = miss.dns_len;
			scratch->family = q.family;
		} else {
			verdict = parse_headers(ctx, listen_set, scratch, &q.source);
			if (verdict != XGSLB_COUNTER_COUNT)
				return verdict;
		}
		PROFILE_STAGE(1);
		verdict = walk_question_name(ctx, scratch, &q);
		if (verdict != XGSLB_COUNTER_COUNT)
			return verdict;
		PROFILE_STAGE(2);
		verdict = read_question(ctx, scratch, settings, &q);
		if (verdict != XGSLB_COUNTER_COUNT)
			return verdict;
		PROFILE_STAGE(3);
	}
	verdict = limit_response(ctx, settings, &q, listen_set);
	if (verdict != RRL_GO_ON)
		return verdict;
	PROFILE_STAGE(4);

	int address = q.qtype == XGSLB_DNS_TYPE_A || q.qtype == XGSLB_DNS_TYPE_AAAA;
	if (address) {
		/* The lane's set was copied before the rate limit (bpf/express_lane.h says why). */
		/* A lane probe of this very name length and type missed: the same probe again would. */
		const struct express_answer *express =
			lane ? lane
			     : (miss.probed == LANE_PROBED(q.name_len, q.qtype) ? 0 : express_lookup(ctx, settings, &q));
		if (express) {
			PROFILE_STAGE(5);
			return answer_express(ctx, settings, &q, express);
		}
	}
	if (hash_question(ctx, settings, &q))
		return XGSLB_C_pass_malformed;
	if (address) {
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

SEC("xdp")
int xgslb_xdp(struct xdp_md *ctx)
{
	enum xgslb_counter verdict = answer_query(ctx);
	/* Looked up after the query, not before: a pointer held through the whole parse takes one of
	 * the four registers that survive calls, and the parse then spills what it needs. */
	__u32 zero = 0;
	struct xgslb_stats *stats = bpf_map_lookup_elem(&xgslb_stats, &zero);
	if (!stats)
		return XDP_PASS;
	__u64 *counters = (__u64 *)stats;

	stats->packets_seen++;
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
	if (strategy < XGSLB_COUNTER_COUNT - XGSLB_C_strategy_fixed)
		counters[XGSLB_C_strategy_fixed + strategy]++;
	return xgslb_verdict_action(index);
}
